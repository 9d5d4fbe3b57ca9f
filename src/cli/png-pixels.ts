/**
 * Just enough of PNG to look at a screenshot's pixels: the 8-bit RGB(A), non-interlaced
 * images Chromium writes. The CLI uses it to check that a panel screenshot shows something
 * (the DevTools compositor can hand out a frame in which the panel's iframe is still blank).
 */
import { inflateSync } from "node:zlib";

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** Bytes per pixel: 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  readonly data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The pixels of `png`, or null when it is not a PNG this reader understands. */
export function decodePng(png: Uint8Array): Pixels | null {
  if (png.length < 33 || SIGNATURE.some((byte, i) => png[i] !== byte)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const depth = body[8];
      const colour = body[9];
      const interlace = body[12];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) return null;
      channels = colour === 6 ? 4 : 3;
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    at += 12 + length;
  }
  if (width === 0 || height === 0 || channels === 0) return null;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) return null;
  const data = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    const previous = y * stride - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? data[out + x - channels]! : 0;
      const b = y > 0 ? data[previous + x]! : 0;
      const c = y > 0 && x >= channels ? data[previous + x - channels]! : 0;
      let value = line[x]!;
      if (filter === 1) value += a;
      else if (filter === 2) value += b;
      else if (filter === 3) value += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        value += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      data[out + x] = value & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** How many distinct colours the rectangle holds (stops counting at `cap`). */
export function distinctColours(pixels: Pixels, area: { x: number; y: number; width: number; height: number }, cap = 64): number {
  const seen = new Set<number>();
  const x1 = Math.min(pixels.width, area.x + area.width);
  const y1 = Math.min(pixels.height, area.y + area.height);
  for (let y = Math.max(0, area.y); y < y1; y++) {
    for (let x = Math.max(0, area.x); x < x1; x++) {
      const k = (y * pixels.width + x) * pixels.channels;
      seen.add((pixels.data[k]! << 16) | (pixels.data[k + 1]! << 8) | pixels.data[k + 2]!);
      if (seen.size >= cap) return seen.size;
    }
  }
  return seen.size;
}
