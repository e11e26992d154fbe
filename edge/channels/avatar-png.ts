import { concatBytes } from "./channel-crypto.ts";

// An employee's face in Slack: chat.postMessage's icon_url points at
// /channels/avatar/:employeeId.png, and this draws it. An identicon: a 5×5 grid, mirrored left to
// right, its cells and colour taken from SHA-256 of the id, so the same employee always looks the
// same and two employees rarely alike. A palette PNG of two colours, compressed with the
// runtime's CompressionStream ("deflate" is zlib's format, which is what IDAT holds): no
// dependency, no storage, a few hundred bytes.

const GRID = 5;
const CELL = 40;
const MARGIN = 20;
/** Width and height in pixels (Slack shows 48 px and asks for at least that; 240 stays sharp). */
export const AVATAR_SIZE = GRID * CELL + 2 * MARGIN;

const encoder = new TextEncoder();

/** The identicon of `seed` (an employee id) as PNG bytes. */
export async function avatarPng(seed: string): Promise<Uint8Array<ArrayBuffer>> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(seed)));
  const cells = gridOf(hash);
  const foreground = colourOf(hash);
  const background = [0xf2, 0xf2, 0xf2];
  // One byte per pixel (a palette index) after each row's filter byte (0: none).
  const rowBytes = AVATAR_SIZE + 1;
  const raw = new Uint8Array(rowBytes * AVATAR_SIZE);
  for (let y = 0; y < AVATAR_SIZE; y++) {
    for (let x = 0; x < AVATAR_SIZE; x++) {
      const cx = Math.floor((x - MARGIN) / CELL);
      const cy = Math.floor((y - MARGIN) / CELL);
      const inside = cx >= 0 && cy >= 0 && cx < GRID && cy < GRID;
      raw[y * rowBytes + 1 + x] = inside && cells[cy * GRID + cx] ? 1 : 0;
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, AVATAR_SIZE);
  view.setUint32(4, AVATAR_SIZE);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, palette, deflate, adaptive filters, no interlace
  // Copied into a plain ArrayBuffer, which is what a Response body is typed to take.
  const png = concatBytes(
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("PLTE", new Uint8Array([...background, ...foreground])),
    chunk("IDAT", await deflate(raw)),
    chunk("IEND", new Uint8Array(0)),
  );
  return Uint8Array.from(png);
}

/** 15 bits of the hash fill the left three columns; the right two mirror them. */
function gridOf(hash: Uint8Array): boolean[] {
  const cells: boolean[] = new Array(GRID * GRID).fill(false);
  let bit = 0;
  for (let x = 0; x < Math.ceil(GRID / 2); x++) {
    for (let y = 0; y < GRID; y++) {
      const on = ((hash[bit >> 3] ?? 0) >> (bit & 7)) & 1;
      bit++;
      cells[y * GRID + x] = on === 1;
      cells[y * GRID + (GRID - 1 - x)] = on === 1;
    }
  }
  return cells;
}

/** A saturated, mid-light colour from the hash's last bytes (hue anywhere on the wheel). */
function colourOf(hash: Uint8Array): number[] {
  const hue = (((hash[30] ?? 0) << 8) | (hash[31] ?? 0)) % 360;
  return hslToRgb(hue, 0.55, 0.5);
}

function hslToRgb(h: number, s: number, l: number): number[] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] =
    h < 60
      ? [c, x, 0]
      : h < 120
        ? [x, c, 0]
        : h < 180
          ? [0, c, x]
          : h < 240
            ? [0, x, c]
            : h < 300
              ? [x, 0, c]
              : [c, 0, x];
  return [r, g, b].map((v) => Math.round((v + m) * 255));
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.byteLength);
  out.set(encoder.encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.byteLength, crc32(out.subarray(4, 8 + data.byteLength)));
  return out;
}

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crcTable[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
