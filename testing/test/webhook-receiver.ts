import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A small webhook on loopback for the channel stand-ins' deliveries: it keeps every request as
// it arrived (raw bytes, headers) and answers what the test sets.

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The next answers' status and body (default 200, empty; `echo` makes the body). */
  answer: { status: number; body: string; delayMs: number; echo?: (r: Received) => string };
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const answer: WebhookReceiver["answer"] = { status: 200, body: "", delayMs: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const got = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      raw: Buffer.concat(chunks),
    };
    received.push(got);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const body = answer.echo ? answer.echo(got) : answer.body;
    if (!res.destroyed) res.writeHead(answer.status, { "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A JSON call to a stand-in: its status and parsed answer. */
export async function call<T = Record<string, unknown>>(
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}
