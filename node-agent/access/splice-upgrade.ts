import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";

// The upstream's answer to an upgrade (101 and its headers) is a few hundred bytes.
export const MAX_UPSTREAM_HEAD_BYTES = 16 * 1024;
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;
const HEAD_END = Buffer.from("\r\n\r\n");

const passEverything: SpliceOptions = {
  drop: [],
  add: {},
  keepResponseHeader: () => true,
  onClose: () => {},
};

export interface SpliceOptions {
  /** Request headers that stay here. */
  drop: readonly string[];
  /** Request headers the proxy sets. */
  add: Readonly<Record<string, string>>;
  /** Whether a header of the upstream's answer reaches the client (lower-case name). */
  keepResponseHeader(name: string, value: string): boolean;
  /** Called once, when either side closed. */
  onClose(): void;
}

// Forwards a WebSocket (or any HTTP upgrade) to an upstream: the request head is replayed as it
// came, minus `drop` and plus `add`; the upstream's answer head is filtered; then the two sockets
// are spliced until either closes. Returns what ends both at once.
export function spliceUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: { host: string; port: number },
  options: Partial<SpliceOptions> = {},
): () => void {
  const opts = { ...passEverything, ...options };
  const up = connect(target.port, target.host);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    up.destroy();
    socket.destroy();
    opts.onClose();
  };
  up.setTimeout(UPSTREAM_CONNECT_TIMEOUT_MS, close);
  up.once("connect", () => {
    up.setTimeout(0);
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (opts.drop.includes(req.rawHeaders[i]?.toLowerCase() ?? "")) continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    for (const [name, value] of Object.entries(opts.add)) lines.push(`${name}: ${value}`);
    up.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length) up.write(head);
    socket.pipe(up);
  });

  let received: Buffer = Buffer.alloc(0);
  const readHead = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf(HEAD_END);
    if (end < 0) {
      if (received.length > MAX_UPSTREAM_HEAD_BYTES) close();
      return;
    }
    up.off("data", readHead);
    const [status = "", ...fields] = received.subarray(0, end).toString("latin1").split("\r\n");
    const kept = fields.filter((line) => {
      const colon = line.indexOf(":");
      // Folded continuation lines and lines without a name are not passed on.
      if (colon <= 0 || line.startsWith(" ") || line.startsWith("\t")) return false;
      return opts.keepResponseHeader(
        line.slice(0, colon).trim().toLowerCase(),
        line.slice(colon + 1).trim(),
      );
    });
    socket.write(Buffer.from(`${[status, ...kept].join("\r\n")}\r\n\r\n`, "latin1"));
    const rest = received.subarray(end + HEAD_END.length);
    if (rest.length) socket.write(rest);
    up.pipe(socket);
  };
  up.on("data", readHead);
  up.on("error", close);
  up.on("close", close);
  socket.on("error", close);
  socket.on("close", close);
  return close;
}
