import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";

// Test helpers that speak HTTP byte for byte: requests go out exactly as written (no client that
// would normalise a target or a header), and what a server answered is read raw.

export interface RawAnswer {
  /** The status of the first response line, null when the server closed without answering. */
  status: number | null;
  head: string;
  body: string;
  /** The server closed the connection (rather than our read timing out). */
  closedByServer: boolean;
  ms: number;
}

export function rawRequest(
  port: number,
  bytes: string | Buffer,
  opts: { host?: string; localAddress?: string; timeoutMs?: number; keepOpen?: boolean } = {},
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({
      port,
      host: opts.host ?? "127.0.0.1",
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split >= 0 ? text.slice(0, split) : text;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({
        status: m ? Number(m[1]) : null,
        head,
        body: split >= 0 ? text.slice(split + 4) : "",
        closedByServer,
        ms: Date.now() - started,
      });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 5000);
    socket.on("connect", () => {
      socket.write(bytes);
    });
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      // One complete answer with a length is enough unless the caller waits for the close.
      if (opts.keepOpen) return;
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return;
      const head = text.slice(0, split);
      const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
      if (length !== undefined && text.length - split - 4 >= Number(length)) finish(false);
      if (/\r\ntransfer-encoding: chunked/i.test(head) && text.endsWith("0\r\n\r\n")) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
  });
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server that records every request it parses and answers `answer(req)` or 200 {}. */
export async function recordingServer(
  answer: (r: Recorded) => { status: number; body: string } | undefined = () => undefined,
): Promise<{ server: Server; port: number; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(r);
      const a = answer(r) ?? { status: 200, body: "{}" };
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(a.body);
    });
    req.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}
