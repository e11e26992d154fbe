import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PAGE_TIMEOUT_MS, servePage } from "../../access/page-route.ts";

// /__iw/page passes on what the container's page-info answers: the container is not trusted, so
// an answer without end must not be read whole (nor wait for the timeout) before it is refused.

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function container(answer: (res: ServerResponse) => void): Promise<number> {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
  return (server.address() as AddressInfo).port;
}

async function ask(port: number): Promise<{ status: number; body: string }> {
  let status = 0;
  let body = "";
  const res = {
    writeHead(s: number) {
      status = s;
      return res;
    },
    end(text?: string) {
      body = text ?? "";
    },
  };
  await servePage(res as unknown as ServerResponse, { host: "127.0.0.1", port });
  return { status, body };
}

describe("the browser view's page route", () => {
  it("passes on the page the container names", async () => {
    const port = await container((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ title: "Example", url: "https://example.com/", extra: 1 }));
    });
    const answer = await ask(port);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ title: "Example", url: "https://example.com/" });
  });

  it("refuses an endless answer as soon as it is too long", async () => {
    const port = await container((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      res.write('{"title":"');
      pump();
    });
    const started = Date.now();
    const answer = await ask(port);
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(PAGE_TIMEOUT_MS / 2);
  });
});
