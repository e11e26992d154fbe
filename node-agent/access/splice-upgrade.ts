import type { IncomingMessage } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";

// Forwards a WebSocket (or any HTTP upgrade) to an upstream: the request head is replayed as it
// came, minus the headers named in `drop` and plus those in `add`, then the two sockets are spliced
// until either closes.
export function spliceUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: { host: string; port: number },
  drop: readonly string[] = [],
  add: Readonly<Record<string, string>> = {},
): void {
  const up = connect(target.port, target.host, () => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (drop.includes(req.rawHeaders[i]?.toLowerCase() ?? "")) continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    for (const [name, value] of Object.entries(add)) lines.push(`${name}: ${value}`);
    up.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const close = () => {
    up.destroy();
    socket.destroy();
  };
  up.on("error", close);
  socket.on("error", close);
}
