import { crc32, deflateSync } from "node:zlib";
import type WebSocket from "ws";

// A minimal RFB 3.8 client over an open WebSocket (the browser view's path through the access
// proxy): no authentication (x11vnc -nopw), one full Raw framebuffer update, as a PNG. Enough to
// see the employee's screen in a test as people see it.

class Bytes {
  private buf = Buffer.alloc(0);
  private waiting: { n: number; resolve: (b: Buffer) => void } | null = null;
  constructor(ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      this.buf = Buffer.concat([this.buf, data]);
      this.flush();
    });
  }
  private flush() {
    if (this.waiting && this.buf.length >= this.waiting.n) {
      const { n, resolve } = this.waiting;
      this.waiting = null;
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      resolve(out);
    }
  }
  read(n: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = { n, resolve };
      this.flush();
    });
  }
}

export interface Snapshot {
  width: number;
  height: number;
  name: string;
  /** RGBA, row by row. */
  rgba: Buffer;
}

export async function rfbSnapshot(ws: WebSocket): Promise<Snapshot> {
  const r = new Bytes(ws);
  const version = (await r.read(12)).toString("latin1");
  if (!version.startsWith("RFB 003.")) throw new Error(`not RFB: ${version}`);
  ws.send(Buffer.from("RFB 003.008\n", "latin1"));
  const types = await r.read((await r.read(1)).readUInt8(0));
  if (!types.includes(1)) throw new Error(`no "None" security: ${[...types]}`);
  ws.send(Buffer.from([1]));
  if ((await r.read(4)).readUInt32BE(0) !== 0) throw new Error("security failed");
  ws.send(Buffer.from([1])); // ClientInit: shared
  const init = await r.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const name = (await r.read(init.readUInt32BE(20))).toString("utf8");
  // SetPixelFormat: 32 bpp true colour, little-endian, red in the lowest byte (so RGBX in memory).
  const format = Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
  ws.send(format);
  ws.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: Raw only
  const request = Buffer.alloc(10);
  request.writeUInt8(3, 0);
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  ws.send(request);
  const rgba = Buffer.alloc(width * height * 4, 255);
  let covered = 0;
  while (covered < width * height) {
    const head = await r.read(4);
    if (head.readUInt8(0) !== 0) throw new Error(`unexpected message ${head.readUInt8(0)}`);
    for (let n = head.readUInt16BE(2); n > 0; n--) {
      const rect = await r.read(12);
      const [x, y, w, h] = [0, 2, 4, 6].map((o) => rect.readUInt16BE(o)) as [
        number,
        number,
        number,
        number,
      ];
      if (rect.readInt32BE(8) !== 0) throw new Error("not Raw");
      const pixels = await r.read(w * h * 4);
      for (let row = 0; row < h; row++)
        for (let col = 0; col < w; col++) {
          const from = (row * w + col) * 4;
          const to = ((y + row) * width + x + col) * 4;
          pixels.copy(rgba, to, from, from + 3);
        }
      covered += w * h;
    }
  }
  return { width, height, name, rgba };
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function toPng({ width, height, rgba }: Snapshot): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
