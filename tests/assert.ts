/**
 * The few assertions the tests use, in the style of Deno's `@std/assert`
 * (JSR is not reachable here), built on `node:assert`.
 *
 * @module
 */
import nodeAssert from "node:assert";

/** Fails unless `condition` is truthy. */
export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Deep, strict equality (typed arrays compare by content). */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Fails unless `actual` matches `pattern`. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

/** Fails unless `|actual - expected| <= tolerance`. */
export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7, message?: string): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new nodeAssert.AssertionError({
      message: message ?? `expected ${actual} to be within ${tolerance} of ${expected}`,
      actual,
      expected,
    });
  }
}

type ErrorClass<E extends Error> = new (...args: never[]) => E;

function check<E extends Error>(error: unknown, errorClass?: ErrorClass<E>, includes?: string): E {
  if (!(error instanceof Error)) throw new nodeAssert.AssertionError({ message: `expected an Error, got ${error}` });
  if (errorClass && !(error instanceof errorClass)) {
    throw new nodeAssert.AssertionError({
      message: `expected ${errorClass.name}, got ${error.name}: ${error.message}`,
    });
  }
  if (includes && !error.message.includes(includes)) {
    throw new nodeAssert.AssertionError({
      message: `expected the message to include "${includes}", got: ${error.message}`,
    });
  }
  return error as E;
}

/** Fails unless `fn` throws (an instance of `errorClass`, with `includes` in its message). Returns the error. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClass?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    return check(error, errorClass, includes);
  }
  throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
}

/** Fails unless `fn`'s promise rejects (as {@link assertThrows}). Returns the error. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    return check(error, errorClass, includes);
  }
  throw new nodeAssert.AssertionError({ message: "expected the promise to reject" });
}
