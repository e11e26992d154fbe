// The LLM relay as employees and attackers reach it: raw requests over TCP, a loopback listener as
// the edge's gateway and another as "any other host", and the caller named by its source address
// (loopback addresses stand in for the employee network here; relay-identity.test.ts uses Docker's).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAY_MAX_BODY_BYTES, startLlmRelay } from "../llm-relay/llm-relay.ts";
import { createLogger } from "../logger.ts";
import { type Recorded, rawRequest, recordingServer } from "./raw-http.ts";

const KEY = "iwk_employee_a_key_0123456789abcdef";
const EMPLOYEE_ADDRESS = "127.0.0.1";
const STRANGER_ADDRESS = "127.0.0.2";
const NO_KEY_ADDRESS = "127.0.0.3";
const BROKEN_LOOKUP_ADDRESS = "127.0.0.4";

let gateway: { server: Server; port: number; seen: Recorded[] };
let elsewhere: { server: Server; port: number; seen: Recorded[] };
let relay: Server;
let port = 0;

beforeAll(async () => {
  gateway = await recordingServer((r) =>
    r.url.endsWith("/models")
      ? { status: 200, body: '{"object":"list","data":[{"id":"auto","object":"model"}]}' }
      : undefined,
  );
  elsewhere = await recordingServer();
  relay = await startLlmRelay({
    host: "127.0.0.1",
    port: 0,
    // A gateway with a path of its own, to show the prefix comes from here and nowhere else.
    upstream: `http://127.0.0.1:${gateway.port}/edge/v1`,
    addresses: {
      employeeAt: async (address) => {
        const ip = address?.replace(/^::ffff:/, "");
        if (ip === BROKEN_LOOKUP_ADDRESS) throw new Error("engine unreachable");
        return ip === EMPLOYEE_ADDRESS ? "emp-a" : ip === NO_KEY_ADDRESS ? "emp-nokey" : null;
      },
    },
    keys: { get: (id) => (id === "emp-a" ? KEY : undefined) },
    log: createLogger("silent"),
  });
  port = (relay.address() as AddressInfo).port;
});

afterAll(() => {
  relay?.close();
  gateway?.server.close();
  elsewhere?.server.close();
});

const get = (target: string, extra = "", localAddress = EMPLOYEE_ADDRESS) =>
  rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: 172.18.0.1:8791\r\n${extra}\r\n`, {
    localAddress,
  });
const post = (target: string, body: string, extra = "", localAddress = EMPLOYEE_ADDRESS) =>
  rawRequest(
    port,
    `POST ${target} HTTP/1.1\r\nHost: 172.18.0.1:8791\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
    { localAddress },
  );

describe("the LLM relay", () => {
  it("relays exactly OpenClaw's two calls, with the employee's key in place of the container's", async () => {
    const before = gateway.seen.length;
    const models = await get("/v1/models", "Authorization: Bearer sk-from-the-container\r\n");
    expect(models.status).toBe(200);
    expect(models.body).toContain('"auto"');
    const chat = await post(
      "/v1/chat/completions",
      '{"model":"auto","messages":[]}',
      "Authorization: Bearer iwk_stolen_or_made_up_000000000000\r\nCookie: a=b\r\nX-Forwarded-For: 10.0.0.9\r\nX-Stainless-Lang: js\r\n",
    );
    expect(chat.status).toBe(200);
    const seen = gateway.seen.slice(before);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /edge/v1/models",
      "POST /edge/v1/chat/completions",
    ]);
    for (const r of seen) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers["x-forwarded-for"]).toBeUndefined();
    }
    expect(seen[1]?.body).toBe('{"model":"auto","messages":[]}');
    expect(seen[1]?.headers["x-stainless-lang"]).toBe("js");
  });

  it("answers 404 for every path that only decodes or resolves to a relayed one, or to anything else, and reaches no other path or host", async () => {
    const other = `127.0.0.1:${elsewhere.port}`;
    const targets = [
      // absolute URLs, as the request target and inside the path
      `http://${other}/v1/models`,
      `http://127.0.0.1:${gateway.port}/edge/v1/models`,
      "https://evil.example/v1/chat/completions",
      `/v1/http://${other}/steal`,
      `/v1/http:%2f%2f${other}/steal`,
      `/v1/https:/${other}/steal`,
      // scheme-relative and doubled slashes
      `//${other}/v1/models`,
      `/v1//${other}/steal`,
      "/v1//models",
      "//v1/models",
      "/v1/chat//completions",
      // dot segments, raw
      "/v1/../v1/models",
      "/v1/./models",
      "/v1/models/.",
      "/v1/models/..",
      "/v1/chat/../models",
      "/v1/../../api/dev/mailbox?email=a@example.com",
      "/v1/../api/dev/mailbox",
      // dot segments, percent-encoded in any case and mix
      "/v1/%2e%2e/api/dev/mailbox",
      "/v1/%2E%2E/v1/models",
      "/v1/.%2e/api/dev/mailbox",
      "/v1/%2e./api",
      "/v1/%2e/models",
      // encoded separators
      "/v1%2fmodels",
      "/v1/chat%2fcompletions",
      "/v1/chat%2Fcompletions",
      "/v1%2F..%2Fapi%2Fdev%2Fmailbox",
      "/v1/chat%5ccompletions",
      // backslashes
      "/v1\\models",
      "/v1/chat\\completions",
      "\\v1\\models",
      `/v1/\\\\${other}\\steal`,
      "/v1\\..\\api\\dev\\mailbox",
      // near misses
      "/V1/models",
      "/v1/models/",
      "/v1/models;x",
      "/v1/models%20",
      "/v1/mod%65ls",
      "/v1/embeddings",
      "/v1/chat/completions/x",
      "/api/dev/mailbox?email=a@example.com",
      "/",
      "*",
      `${other}`,
    ];
    const before = gateway.seen.length;
    for (const target of targets) {
      const answer = await get(target);
      expect([404, 400], `${target} → ${answer.head}`).toContain(answer.status);
      // Node's parser refuses a few of these before we see them (400); every one we see is 404.
      if (answer.status === 400) expect(answer.body, target).not.toContain("query_not_allowed");
    }
    // Bodies sent with POST to the same targets change nothing.
    for (const target of targets.slice(0, 12)) {
      const answer = await post(target, '{"model":"auto"}');
      expect([404, 400], `${target} → ${answer.head}`).toContain(answer.status);
    }
    expect(gateway.seen.slice(before)).toEqual([]);
    expect(elsewhere.seen).toEqual([]);
  });

  it("checks the method and refuses a query string on a relayed path", async () => {
    const before = gateway.seen.length;
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
      const answer = await rawRequest(
        port,
        `${method} /v1/chat/completions HTTP/1.1\r\nHost: r\r\nContent-Length: 0\r\n\r\n`,
      );
      expect(answer.status, method).toBe(405);
    }
    expect((await get("/v1/chat/completions")).status).toBe(405);
    expect((await post("/v1/models", "{}")).status).toBe(405);
    for (const query of ["?", "?x=1", `?url=http://127.0.0.1:${elsewhere.port}/`, "?%zz"])
      expect((await get(`/v1/models${query}`)).status, query).toBe(400);
    expect(gateway.seen.slice(before)).toEqual([]);
    expect(elsewhere.seen).toEqual([]);
  });

  it("never lets a GET's body reach the gateway as a request of its own", async () => {
    const smuggled = "GET /edge/api/dev/mailbox HTTP/1.1\r\nHost: x\r\n\r\n";
    const chunked = `GET /v1/models HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    const withLength = `GET /v1/models HTTP/1.1\r\nHost: r\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`;
    const before = gateway.seen.length;
    const statuses = [];
    for (const raw of [chunked, withLength]) statuses.push((await rawRequest(port, raw)).status);
    await new Promise((r) => setTimeout(r, 200));
    expect(gateway.seen.slice(before).map((r) => r.url)).not.toContain("/edge/api/dev/mailbox");
    expect(statuses).toEqual([400, 400]);
    // A chunked POST is framed again on the way out.
    const body = '{"model":"auto","messages":[{"role":"user","content":"hi"}]}';
    const chunkedPost = await rawRequest(
      port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(chunkedPost.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(gateway.seen.slice(before).map((r) => [r.url, r.body])).toEqual([
      ["/edge/v1/chat/completions", body],
    ]);
  });

  it("answers 403 to a caller that is not a running employee with a key, and 503 when it cannot tell", async () => {
    const before = gateway.seen.length;
    for (const address of [STRANGER_ADDRESS, NO_KEY_ADDRESS]) {
      const withKey = `Authorization: Bearer ${KEY}\r\n`;
      expect((await get("/v1/models", withKey, address)).status, address).toBe(403);
      expect((await post("/v1/chat/completions", "{}", withKey, address)).status).toBe(403);
    }
    expect((await get("/v1/models", "", BROKEN_LOOKUP_ADDRESS)).status).toBe(503);
    expect(gateway.seen.slice(before)).toEqual([]);
    // And still serves its employee.
    expect((await get("/v1/models")).status).toBe(200);
  });

  it("refuses a body over the limit with 413", async () => {
    const declared = await rawRequest(
      port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\nContent-Length: ${RELAY_MAX_BODY_BYTES + 1}\r\n\r\n{`,
    );
    expect(declared.status).toBe(413);
    expect(declared.body).toContain("body_too_large");
    const chunk = "x".repeat(64 * 1024);
    const chunks = Math.ceil(RELAY_MAX_BODY_BYTES / chunk.length) + 2;
    const streamed = await rawRequest(
      port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(chunks)}0\r\n\r\n`,
      { timeoutMs: 10_000 },
    );
    expect(streamed.status).toBe(413);
    expect((await get("/v1/models")).status).toBe(200);
  });
});
