/**
 * Puts the wasm backend's heap in a shared `WebAssembly.Memory`, so that our
 * own kernels can run on a second core (`kernel_threads.ts`) reading and
 * writing tensors in place, with no copies.
 *
 * Why: TensorFlow.js's single-threaded SIMD build defines its own, unshared
 * memory, which no other thread can see; copying a step's operands into a
 * shared buffer would cost about as much as a second core saves. Its threaded
 * build shares its memory but runs only under a fragile shim in Deno and gained
 * nothing on 2 cores (tfjs caps its threads at half the cores).
 *
 * How: while the backend initialises, `WebAssembly.instantiate` is wrapped so
 * that, for the backend's module only (recognised by its emscripten imports),
 * the binary's memory definition becomes an import of a shared memory of the
 * same initial and maximum size, and that memory is passed in. Plain loads and
 * stores on shared memory behave as on unshared memory; the backend's own code
 * never runs on two threads, and our kernels on other threads only touch
 * tensors the calling kernel owns while it waits for them. Our own modules'
 * memory imports are marked shared the same way ({@link sharedMemoryImport}).
 * If anything is not as expected (another build, a browser), the binary is
 * left as it is and the kernels stay on one thread.
 *
 * @module
 */

/** A section of a wasm binary: its id and body (without the id and size bytes). */
interface Section {
  id: number;
  body: Uint8Array;
}

const WASM_HEADER_BYTES = 8;
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const IMPORT_KIND_MEMORY = 2;
/** Limits flags: a maximum is given, and the memory is shared. */
const LIMITS_MAX_SHARED = 3;
/** Most 64 KiB pages a 32-bit memory can have (4 GiB). */
export const MAX_MEMORY_PAGES = 65536;

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new Error("truncated LEB128");
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, i];
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let i = WASM_HEADER_BYTES;
  while (i < bytes.length) {
    const id = bytes[i];
    const [size, start] = readLeb(bytes, i + 1);
    out.push({ id, body: bytes.subarray(start, start + size) });
    i = start + size;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function assemble(header: Uint8Array, list: Section[]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [header];
  for (const s of list) parts.push(new Uint8Array([s.id, ...leb(s.body.length)]), s.body);
  return concat(parts);
}

const encoder = new TextEncoder();

function name(text: string): number[] {
  const b = encoder.encode(text);
  return [...leb(b.length), ...b];
}

/** The limits of a memory: flags, initial pages, maximum pages (or null), and where they end. */
function readLimits(bytes: Uint8Array, at: number): { flags: number; min: number; max: number | null; end: number } {
  const flags = bytes[at];
  const [min, afterMin] = readLeb(bytes, at + 1);
  if (flags & 1) {
    const [max, end] = readLeb(bytes, afterMin);
    return { flags, min, max, end };
  }
  return { flags, min, max: null, end: afterMin };
}

/** Skips one import entry's description after its kind byte; returns where the next entry starts. */
function skipImportDesc(body: Uint8Array, kind: number, at: number): number {
  if (kind === 0) return readLeb(body, at)[1]; // function: type index
  if (kind === 1) return readLimits(body, at + 1).end; // table: reftype, limits
  if (kind === IMPORT_KIND_MEMORY) return readLimits(body, at).end;
  if (kind === 3) return at + 2; // global: valtype, mutability
  if (kind === 4) return readLeb(body, at + 1)[1]; // tag: attribute, type index
  throw new Error(`unknown import kind ${kind}`);
}

/**
 * A module binary whose memory is a shared import `env.memory`: a defined
 * memory (TensorFlow.js's) becomes that import with the same initial size and
 * maximum; an imported one (ours) is marked shared with a maximum of
 * `maximumPages`. Returns the new binary and the memory's initial and maximum
 * pages. Throws on a binary it does not understand (no memory, or several).
 */
export function sharedMemoryImport(
  bytes: Uint8Array,
  maximumPages = MAX_MEMORY_PAGES,
): { bytes: Uint8Array<ArrayBuffer>; initial: number; maximum: number } {
  const list = sections(bytes);
  const header = bytes.subarray(0, WASM_HEADER_BYTES);
  const memorySection = list.find((s) => s.id === SECTION_MEMORY);
  let importSection = list.find((s) => s.id === SECTION_IMPORT);
  if (importSection == null) {
    importSection = { id: SECTION_IMPORT, body: new Uint8Array([0]) };
    const at = list.findIndex((s) => s.id !== 0 && s.id > SECTION_IMPORT);
    list.splice(at < 0 ? list.length : at, 0, importSection);
  }
  const [count, first] = readLeb(importSection.body, 0);
  if (memorySection != null) {
    const [memories, at] = readLeb(memorySection.body, 0);
    if (memories !== 1) throw new Error(`a module with ${memories} memories`);
    const { min, max } = readLimits(memorySection.body, at);
    const maximum = max ?? maximumPages;
    const entry = [
      ...name("env"),
      ...name("memory"),
      IMPORT_KIND_MEMORY,
      LIMITS_MAX_SHARED,
      ...leb(min),
      ...leb(maximum),
    ];
    // The imported memory comes first in the memory index space, as the defined one did (index 0).
    importSection.body = concat([
      new Uint8Array(leb(count + 1)),
      importSection.body.subarray(first),
      new Uint8Array(entry),
    ]);
    return { bytes: assemble(header, list.filter((s) => s !== memorySection)), initial: min, maximum };
  }
  let i = first;
  for (let e = 0; e < count; e++) {
    const [moduleLength, m] = readLeb(importSection.body, i);
    const [fieldLength, f] = readLeb(importSection.body, m + moduleLength);
    const kind = importSection.body[f + fieldLength];
    const descAt = f + fieldLength + 1;
    if (kind === IMPORT_KIND_MEMORY) {
      const { min, end } = readLimits(importSection.body, descAt);
      importSection.body = concat([
        importSection.body.subarray(0, descAt),
        new Uint8Array([LIMITS_MAX_SHARED, ...leb(min), ...leb(maximumPages)]),
        importSection.body.subarray(end),
      ]);
      return { bytes: assemble(header, list), initial: min, maximum: maximumPages };
    }
    i = skipImportDesc(importSection.body, kind, descAt);
  }
  throw new Error("the module has no memory");
}

/** Whether `memory` is shared (its buffer a `SharedArrayBuffer`). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}

/** Recognises TensorFlow.js's emscripten module by what it imports. */
function isBackendInstantiation(imports: unknown): imports is { env: Record<string, unknown> } {
  const env = (imports as { env?: Record<string, unknown> } | undefined)?.env;
  return env != null && typeof env.emscripten_resize_heap === "function" && env.memory === undefined;
}

/**
 * Runs `initialise` (which initialises the wasm backend) with the backend's
 * module instantiated on a shared memory, as the module comment says. Returns
 * what `initialise` returns; where the binary cannot be rewritten, the backend
 * gets its own memory as usual.
 */
export async function withSharedBackendMemory<T>(initialise: () => Promise<T>): Promise<T> {
  if (typeof SharedArrayBuffer === "undefined") return await initialise();
  const original = WebAssembly.instantiate;
  const wrapped = function (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> {
    if ((source instanceof ArrayBuffer || ArrayBuffer.isView(source)) && isBackendInstantiation(imports)) {
      const bytes = source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      try {
        const shared = sharedMemoryImport(bytes);
        const memory = new WebAssembly.Memory({ initial: shared.initial, maximum: shared.maximum, shared: true });
        return original.call(WebAssembly, shared.bytes, { ...imports, env: { ...imports.env, memory } });
      } catch {
        // not the binary we know: instantiate it as it is
      }
    }
    // deno-lint-ignore no-explicit-any
    return (original as any).call(WebAssembly, source, imports);
  };
  (WebAssembly as { instantiate: unknown }).instantiate = wrapped;
  try {
    return await initialise();
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
}
