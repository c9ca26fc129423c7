/**
 * PNG in and out, with limits: a drawing arrives as PNG bytes (the page's
 * `canvas.toBlob`, or any client of the app's API) and the steps of the
 * preprocessing leave as PNG images for reports.
 *
 * Decoding uses `pngjs` (pure JavaScript, every PNG colour type, bit depth
 * and interlacing, always RGBA out). Skia's decoder (`@napi-rs/canvas`) was
 * used before: it is faster, but its pixels live in native memory that the
 * JavaScript garbage collector does not see, so a burst of large uploads grew
 * the app by gigabytes before anything was freed (30 decodes of a 2000×2000
 * PNG: +560 MiB with Skia, +210 MiB with pngjs, measured in one process).
 * Before anything is decoded the byte size and the pixel size (read from the
 * PNG header) are checked, so a small file that claims to be a huge image (a
 * "decompression bomb") is refused without allocating it; the chunks' CRCs and
 * the pixel data's completeness are checked too, so a damaged upload is
 * refused rather than read as a drawing.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { createCanvas } from "@napi-rs/canvas";
import { PNG } from "pngjs";
import type { GreyImage, RgbaImage } from "./preprocess.ts";

/** The largest PNG file accepted, in bytes (2 MiB; a 280×280 drawing is a few KiB). */
export const MAX_PNG_BYTES = 2 * 1024 * 1024;
/** The largest side accepted, in pixels. */
export const MAX_PNG_SIDE = 4096;
/** The most pixels accepted (4 megapixels, e.g. 2000×2000). */
export const MAX_PNG_PIXELS = 4_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Signature (8) + IHDR length and type (8) + width and height (8). */
const PNG_HEADER_BYTES = 24;

/** Why an image was refused; the app maps each to an HTTP status. */
export type ImageErrorCode = "empty_body" | "not_png" | "too_many_bytes" | "too_many_pixels" | "malformed_png";

/** A drawing that cannot be used, with a message that says what was wrong and what to send instead. */
export class ImageInputError extends Error {
  constructor(readonly code: ImageErrorCode, message: string) {
    super(message);
    this.name = "ImageInputError";
  }
}

/** Limits for {@link decodePng}. */
export interface PngLimits {
  maxBytes?: number;
  maxSide?: number;
  maxPixels?: number;
}

/** True when `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Walks the PNG's chunks and checks each one's length and CRC and that the
 * file ends with IEND. Skia decodes a truncated PNG without complaint (the
 * missing rows come out blank), which would make a damaged upload look like
 * a half-drawn digit; this check refuses it instead.
 */
export function checkPngChunks(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PNG_SIGNATURE.length;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (end > bytes.length) {
      throw new ImageInputError("malformed_png", `the PNG is truncated: chunk ${type} runs past the end of the body`);
    }
    if (crc32(bytes.subarray(offset + 4, end - 4)) !== view.getUint32(end - 4)) {
      throw new ImageInputError("malformed_png", `the PNG is damaged: chunk ${type} fails its CRC check`);
    }
    if (type === "IEND") return;
    offset = end;
  }
  throw new ImageInputError("malformed_png", "the PNG is truncated: it has no IEND chunk");
}

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The highest row filter type (PNG's five filters: none, sub, up, average, Paeth). */
const MAX_FILTER_TYPE = 4;
/** Adam7 interlacing: first row, first column, row step and column step of each of the seven passes. */
const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [0, 4, 8, 8],
  [4, 0, 8, 4],
  [0, 2, 4, 4],
  [2, 0, 4, 2],
  [0, 1, 2, 2],
  [1, 0, 2, 1],
] as const;

/**
 * Inflates the PNG's pixel data and checks that it holds every row the
 * header announces, each with a known filter type. Skia decodes pixel data
 * that inflates to too few rows, or that is corrupt behind valid CRCs, without
 * complaint (the missing rows read as black, which after inverting is ink), so
 * a damaged upload would be predicted as a drawing; this refuses it instead.
 * Call after {@link checkPngChunks} and the size limits (they bound the inflated size).
 */
export function checkPngPixelData(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16), height = view.getUint32(20);
  const bitDepth = bytes[24], colorType = bytes[25], interlace = bytes[28];
  const channels = CHANNELS[colorType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth) || interlace > 1) {
    throw new ImageInputError(
      "malformed_png",
      `the PNG header is damaged: colour type ${colorType}, bit depth ${bitDepth}, interlace method ${interlace}`,
    );
  }
  const passes = interlace === 1
    ? ADAM7_PASSES.map(([row, column, rowStep, columnStep]) => ({
      width: Math.max(0, Math.ceil((width - column) / columnStep)),
      height: Math.max(0, Math.ceil((height - row) / rowStep)),
    })).filter((p) => p.width > 0 && p.height > 0)
    : [{ width, height }];
  const rowBytes = (w: number) => 1 + Math.ceil((w * channels * bitDepth) / 8);
  const expected = passes.reduce((n, p) => n + p.height * rowBytes(p.width), 0);
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset + 12 <= bytes.length;) {
    const length = view.getUint32(offset);
    if (String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)) === "IDAT") {
      idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    }
    offset += 12 + length;
  }
  if (idat.length === 0) throw new ImageInputError("malformed_png", "the PNG has no pixel data (no IDAT chunk)");
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new ImageInputError("malformed_png", "the PNG holds more pixel data than its header announces");
    }
    throw new ImageInputError(
      "malformed_png",
      `the PNG's compressed pixel data is corrupt (${(error as Error).message}); send the image again`,
    );
  }
  let offset = 0;
  for (const [index, pass] of passes.entries()) {
    const stride = rowBytes(pass.width);
    for (let row = 0; row < pass.height; row++, offset += stride) {
      const where = passes.length > 1 ? `row ${row + 1} of interlace pass ${index + 1}` : `row ${row + 1}`;
      if (offset + stride > raw.length) {
        const held = passes.length > 1 ? `${row} of the pass's ${pass.height} rows` : `${row} of ${height} rows`;
        throw new ImageInputError(
          "malformed_png",
          `the PNG's pixel data ends before ${where}: it holds ${held}; send the whole image`,
        );
      }
      if (raw[offset] > MAX_FILTER_TYPE) {
        throw new ImageInputError(
          "malformed_png",
          `the PNG's pixel data is damaged: ${where} has filter type ${raw[offset]}`,
        );
      }
    }
  }
}

/** The width and height a PNG's header announces, without decoding it. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length === 0) throw new ImageInputError("empty_body", "the body is empty; send a PNG image of the drawing");
  if (!isPng(bytes)) {
    throw new ImageInputError("not_png", "the body is not a PNG image (it lacks the PNG signature); send image/png");
  }
  const chunkType = String.fromCharCode(...bytes.subarray(12, 16));
  if (bytes.length < PNG_HEADER_BYTES || chunkType !== "IHDR") {
    throw new ImageInputError("malformed_png", "the PNG is truncated or damaged: its IHDR header is missing");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes PNG bytes to RGBA pixels, refusing (with an {@link ImageInputError})
 * an empty body, something that is not a PNG, a file over the byte limit, an
 * image over the pixel limits, and a damaged file. Synchronous; see
 * {@link decodePng} for the promise.
 */
export function readPng(bytes: Uint8Array, limits: PngLimits = {}): RgbaImage {
  const maxBytes = limits.maxBytes ?? MAX_PNG_BYTES;
  const maxSide = limits.maxSide ?? MAX_PNG_SIDE;
  const maxPixels = limits.maxPixels ?? MAX_PNG_PIXELS;
  if (bytes.length > maxBytes) {
    throw new ImageInputError(
      "too_many_bytes",
      `the image is ${bytes.length} bytes; the limit is ${maxBytes} bytes (send a smaller PNG, e.g. 280x280)`,
    );
  }
  const { width, height } = pngSize(bytes);
  if (width === 0 || height === 0) {
    throw new ImageInputError("malformed_png", `the PNG header announces a ${width}x${height} image, which is empty`);
  }
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new ImageInputError(
      "too_many_pixels",
      `the image is ${width}x${height} pixels; the limit is ${maxSide} pixels a side and ${maxPixels} pixels in all`,
    );
  }
  checkPngChunks(bytes);
  checkPngPixelData(bytes);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageInputError("malformed_png", `the PNG could not be decoded: ${(error as Error).message}`);
  }
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 4) {
    throw new ImageInputError("malformed_png", "the PNG could not be decoded: its pixel data is damaged");
  }
  return { width, height, data: decoded.data };
}

/** {@link readPng} as a promise (a damaged image rejects). */
export function decodePng(bytes: Uint8Array, limits: PngLimits = {}): Promise<RgbaImage> {
  return Promise.resolve().then(() => readPng(bytes, limits));
}

/** A grey image as RGBA (grey levels copied to R, G and B, opaque). */
export function greyToRgba(image: GreyImage): RgbaImage {
  const data = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i++, j += 4) {
    data[j] = data[j + 1] = data[j + 2] = image.data[i];
    data[j + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/**
 * Encodes an image (RGBA, or grey) as PNG bytes, optionally enlarged by an
 * integer `scale` with hard pixel edges, so a 28×28 input stays readable.
 */
export function encodePng(image: RgbaImage | GreyImage, scale = 1): Uint8Array {
  const rgba = image.data.length === image.width * image.height ? greyToRgba(image as GreyImage) : image;
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  const data = context.createImageData(image.width, image.height);
  data.data.set(rgba.data);
  context.putImageData(data, 0, 0);
  if (scale === 1) return new Uint8Array(canvas.toBuffer("image/png"));
  const big = createCanvas(image.width * scale, image.height * scale);
  const bigContext = big.getContext("2d");
  bigContext.imageSmoothingEnabled = false;
  bigContext.drawImage(canvas, 0, 0, big.width, big.height);
  return new Uint8Array(big.toBuffer("image/png"));
}
