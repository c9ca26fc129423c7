/**
 * MNIST as the course uses it: all of it, or in quick mode (`MNIST_QUICK=1`)
 * the first 2,000 training and 500 test images, so that a classroom dry run or
 * the test suite executes every notebook in seconds. Quick mode changes only
 * the data, never the code in a cell; what a notebook prints says which mode ran.
 *
 * @module
 */
import { loadMnist, type MnistData } from "./mnist.ts";
import { sliceSplit } from "./splits.ts";
import { isQuickMode, QUICK_ENV_VAR, QUICK_SIZES } from "../course_env.ts";

const DISPLAY = Symbol.for("Jupyter.display");

/** The two splits the course trains and tests on, and whether they are quick mode's slices. */
export interface CourseMnist extends MnistData {
  quick: boolean;
}

/** One line on what the data is, as a notebook shows it. */
export function describeData(data: CourseMnist): string {
  const n = (count: number) => count.toLocaleString("en-US");
  const sizes = `${n(data.train.count)} training and ${n(data.test.count)} test images`;
  return data.quick
    ? `QUICK MODE (${QUICK_ENV_VAR}=1): the first ${sizes}, a dry run: the numbers below are not the report's.`
    : `MNIST: ${sizes} (full mode).`;
}

/**
 * Loads MNIST for a notebook or command: the whole data set, or quick mode's
 * slices. Displayed in a notebook, it says which.
 *
 * @example
 * const { train, test } = await loadCourseMnist();
 */
export async function loadCourseMnist(quick: boolean = isQuickMode()): Promise<CourseMnist> {
  const mnist = await loadMnist();
  const data: CourseMnist = quick
    ? {
      train: sliceSplit(mnist.train, 0, QUICK_SIZES.trainCount),
      test: sliceSplit(mnist.test, 0, QUICK_SIZES.testCount),
      quick,
    }
    : { ...mnist, quick };
  Object.defineProperty(data, DISPLAY, {
    value: () => ({ "text/plain": describeData(data) }),
    enumerable: false,
  });
  return data;
}
