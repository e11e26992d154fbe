import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { type Duplex, type Readable, Transform, type TransformCallback } from "node:stream";
import type { Logger } from "../logger.ts";
import { checkHeaders, type Refusal } from "./request-checks.ts";
import { ThrottledLog } from "./throttled-log.ts";

// Every HTTP server of the agent (access proxy, LLM relay) is built here, so each one answers any
// input with a 4xx JSON error or by closing that one connection, logs it, and never takes the
// process down: malformed request lines and headers (Node's parser → `clientError`), request
// targets and hosts (`admit`), oversize bodies, slow clients (named timeouts), CONNECT, and a
// handler that throws or rejects.

export const MAX_HEADER_BYTES = 16 * 1024;
// How often Node looks for connections past their headers or request timeout.
export const TIMEOUT_CHECK_INTERVAL_MS = 1000;
export const KEEP_ALIVE_TIMEOUT_MS = 5000;

export interface GuardedServerOptions {
  name: string;
  log: Logger;
  /** Time from a connection's first byte (or the previous response) to a complete request head. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
  requireHost: boolean;
  /** The server's own rules for a request (target, method); null admits it. */
  admit(req: IncomingMessage): Refusal | null;
  /** `body` is the request body, cut off (and answered 413) past maxBodyBytes. */
  onRequest(req: IncomingMessage, res: ServerResponse, body: Readable): void | Promise<void>;
  onUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void | Promise<void>;
}

const errorBody = (r: Refusal) => JSON.stringify({ error: { code: r.code, message: r.message } });

export function sendError(res: ServerResponse, r: Refusal, close = true): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = errorBody(r);
  res.writeHead(r.status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(body);
}

/** For sockets that left HTTP's hands (upgrade, CONNECT, parse errors). */
export function writeRawError(socket: Duplex, r: Refusal): void {
  if (!socket.writable || socket.destroyed) return void socket.destroy();
  const body = errorBody(r);
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? "Error"}\r\ncontent-type: application/json\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const internal: Refusal = {
  status: 500,
  code: "internal_error",
  message: "The agent could not handle this request.",
};

function clientErrorRefusal(code: string | undefined, reason: string): Refusal {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT")
    return {
      status: 408,
      code: "request_timeout",
      message: "The request took too long to arrive.",
    };
  if (code === "HPE_HEADER_OVERFLOW")
    return { status: 431, code: "headers_too_large", message: "The request head is too large." };
  return {
    status: 400,
    code: "bad_request",
    message: `The request could not be parsed: ${reason}`,
  };
}

export function guardedServer(opts: GuardedServerOptions): Server {
  const refused = new ThrottledLog(opts.log);
  // Which response a socket is on, so a timeout in the middle of one closes rather than writes.
  const responding = new WeakMap<Socket | Duplex, ServerResponse>();
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    // Checked by checkHeaders instead, so a missing Host gets the same JSON answer as a bad one.
    requireHostHeader: false,
    headersTimeout: opts.headersTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  });
  const remote = (s: { remoteAddress?: string | undefined }) => s.remoteAddress;
  const admission = (req: IncomingMessage): Refusal | null => {
    const refusal = checkHeaders(req, opts.requireHost) ?? opts.admit(req);
    if (refusal) return refusal;
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > opts.maxBodyBytes)
      return {
        status: 413,
        code: "body_too_large",
        message: `The request body is larger than ${opts.maxBodyBytes} bytes.`,
      };
    return null;
  };
  const logRefusal = (req: IncomingMessage, r: Refusal) =>
    refused.warn(
      {
        server: opts.name,
        status: r.status,
        code: r.code,
        method: req.method,
        target: req.url?.slice(0, 200),
        remote: remote(req.socket),
      },
      "refused a request",
    );

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    responding.set(req.socket, res);
    res.on("finish", () => responding.delete(req.socket));
    const refusal = admission(req);
    if (refusal) {
      logRefusal(req, refusal);
      return sendError(res, refusal);
    }
    // Without Transfer-Encoding the body is Content-Length long (Node's parser holds it to that,
    // and admission to the limit): it needs no counting on the way through.
    let seen = 0;
    const body: Readable =
      req.headers["transfer-encoding"] === undefined
        ? req
        : req.pipe(
            new Transform({
              transform(chunk: Buffer, _enc, done: TransformCallback) {
                seen += chunk.length;
                if (seen <= opts.maxBodyBytes) return done(null, chunk);
                const tooLarge: Refusal = {
                  status: 413,
                  code: "body_too_large",
                  message: `The request body is larger than ${opts.maxBodyBytes} bytes.`,
                };
                logRefusal(req, tooLarge);
                sendError(res, tooLarge);
                done(new Error("request body too large"));
              },
            }),
          );
    // A handler that answered without reading the body: drain it, within the request timeout.
    res.on("finish", () => {
      if (!req.complete) body.resume();
    });
    if (body instanceof Transform) body.on("error", () => req.unpipe(body));
    Promise.resolve()
      .then(() => opts.onRequest(req, res, body))
      .catch((err: unknown) => {
        opts.log.error({ server: opts.name, err: String(err) }, "request handler failed");
        sendError(res, internal);
      });
  });

  if (opts.onUpgrade) {
    const onUpgrade = opts.onUpgrade;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node takes its own listeners off an upgraded socket: without this, a client that resets
      // the connection while the handler awaits would be an uncaught 'error' event.
      socket.on("error", (err) => {
        opts.log.debug({ server: opts.name, err: err.message }, "upgraded socket failed");
        socket.destroy();
      });
      const refusal = admission(req);
      if (refusal) {
        logRefusal(req, refusal);
        return writeRawError(socket, refusal);
      }
      Promise.resolve()
        .then(() => onUpgrade(req, socket, head))
        .catch((err: unknown) => {
          opts.log.error({ server: opts.name, err: String(err) }, "upgrade handler failed");
          writeRawError(socket, internal);
        });
    });
  }

  // CONNECT would make this a tunnel to anywhere.
  server.on("connect", (req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => socket.destroy());
    const refusal: Refusal = {
      status: 405,
      code: "method_not_allowed",
      message: "CONNECT is not served here.",
    };
    logRefusal(req, refusal);
    writeRawError(socket, refusal);
  });

  server.on("clientError", (err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    const refusal = clientErrorRefusal(err.code, err.reason ?? err.message);
    if (err.code !== "ECONNRESET")
      refused.warn(
        { server: opts.name, code: err.code, err: err.message, remote: remote(socket as Socket) },
        "refused a connection's input",
      );
    const res = responding.get(socket);
    if (err.code === "ECONNRESET" || (res && (res.headersSent || res.writableEnded)))
      return void socket.destroy();
    writeRawError(socket, refusal);
  });
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
