// Just enough ustar for Docker's archive API (PUT/GET /containers/:id/archive), which is how the
// agent writes an employee's workspace and reads its memory: it works on running and stopped
// containers alike and needs no shell inside. Regular files and directories only.

const BLOCK = 512;

export interface TarEntry {
  /** Relative path, "/"-separated, no "..". */
  path: string;
  /** Absent for a directory. */
  content?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtimeMs?: number;
}

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, Math.min(length, Buffer.byteLength(value)), "utf8");
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

// ustar holds names up to 255 bytes: a prefix of up to 155 and a name of up to 100.
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`path too long for the archive: ${path.slice(0, 80)}…`);
}

function header(entry: TarEntry): Buffer {
  const isDir = entry.content === undefined;
  const path = isDir && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  if (path.split("/").includes("..") || path.startsWith("/"))
    throw new Error(`refusing an archive path outside its root: ${path}`);
  const { prefix, name } = splitName(path);
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, entry.mode ?? (isDir ? 0o755 : 0o644));
  writeOctal(h, 108, 8, entry.uid ?? 0);
  writeOctal(h, 116, 8, entry.gid ?? 0);
  writeOctal(h, 124, 12, isDir ? 0 : (entry.content?.length ?? 0));
  writeOctal(h, 136, 12, Math.floor((entry.mtimeMs ?? Date.now()) / 1000));
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h.write(isDir ? "5" : "0", 156, "ascii");
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

export function packTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (entry.content !== undefined) {
      parts.push(entry.content);
      const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

const readString = (buf: Buffer, offset: number, length: number) => {
  const raw = buf.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("utf8");
};
const readOctal = (buf: Buffer, offset: number, length: number) =>
  Number.parseInt(readString(buf, offset, length).trim() || "0", 8);

export interface UnpackedEntry {
  path: string;
  type: "file" | "directory" | "other";
  size: number;
  mtimeMs: number;
  content: Buffer;
}

// Reads what Docker's GET archive returns (ustar, with GNU and PAX long-name records).
export function unpackTar(archive: Buffer): UnpackedEntry[] {
  const out: UnpackedEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = readOctal(h, 124, 12);
    const typeFlag = String.fromCharCode(h[156] ?? 0);
    const body = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeFlag === "L") {
      longName = body.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    if (typeFlag === "x") {
      const path = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
      if (path) longName = path;
      continue;
    }
    if (typeFlag === "g") continue;
    const prefix = readString(h, 345, 155);
    const name =
      longName ?? (prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100));
    longName = undefined;
    out.push({
      path: name.replace(/\/$/, ""),
      type:
        typeFlag === "0" || typeFlag === "\0" ? "file" : typeFlag === "5" ? "directory" : "other",
      size,
      mtimeMs: readOctal(h, 136, 12) * 1000,
      content: Buffer.from(body),
    });
  }
  return out;
}
