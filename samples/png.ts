/** A tiny deterministic PNG writer (RGB, no filter), and the rasters drawn with it: the figure's chart and the "scan" pages. */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** PNG of width x height RGB pixels from `pixel(x, y)`. */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** A bar chart raster: four bars on a light grid. */
export function chartPng(): Buffer {
  const bars = [0.45, 0.8, 0.3, 0.65];
  const w = 160;
  const h = 90;
  return makePng(w, h, (x, y) => {
    const slot = Math.floor(x / (w / bars.length));
    const inBar = x % (w / bars.length) > 8 && x % (w / bars.length) < w / bars.length - 8 && y > h * (1 - bars[slot]!);
    if (inBar) return [40 + slot * 40, 90, 200 - slot * 30];
    return y % 15 === 0 ? [220, 220, 220] : [250, 250, 250];
  });
}

/** A "photographed" page of text for the scan variant: grey lines of speckled ink. */
export function scanPng(seed: number): Buffer {
  const w = 200;
  const h = 260;
  return makePng(w, h, (x, y) => {
    const line = Math.floor(y / 12);
    const ink = y % 12 < 6 && x > 15 && x < w - 15 - ((line * 37 + seed * 11) % 60) && (x * 7 + y * 13 + seed) % 5 !== 0;
    const v = ink ? 60 : 235 - ((x + y + seed) % 9);
    return [v, v, v - 5];
  });
}
