/**
 * PNG in and out, with limits: a drawing arrives as PNG bytes (the page's
 * `canvas.toBlob`, or any client of the app's API) and the steps of the
 * preprocessing leave as PNG images for reports.
 *
 * Decoding uses the Skia canvas of `@napi-rs/canvas`. Before anything is
 * decoded the byte size and the pixel size (read from the PNG header) are
 * checked, so a small file that claims to be a huge image (a "decompression
 * bomb") is refused without allocating it.
 *
 * @module
 */
import { createCanvas, loadImage } from "@napi-rs/canvas";
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
 * image over the pixel limits, and a damaged file.
 */
export async function decodePng(bytes: Uint8Array, limits: PngLimits = {}): Promise<RgbaImage> {
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
  let image;
  try {
    image = await loadImage(bytes);
  } catch (error) {
    throw new ImageInputError("malformed_png", `the PNG could not be decoded: ${(error as Error).message}`);
  }
  if (image.width !== width || image.height !== height) {
    throw new ImageInputError("malformed_png", "the PNG could not be decoded: its pixel data is damaged");
  }
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, width, height);
  return { width, height, data: pixels.data };
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
