import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_JSON_BODY_BYTES } from "../http/validate.ts";
import { MAX_FILE_BYTES, MAX_UPLOAD_BODY_BYTES, MAX_UPLOAD_BYTES } from "../services/knowledge.ts";
import { accountOf, api, errorOf, ORIGIN, signIn, uniqueEmail } from "./helpers.ts";
import { closing, countedStream, filePart, postBody } from "./multipart.ts";

const MB = 1024 * 1024;
const CHUNK = 256 * 1024;
const enc = new TextEncoder();

// One multipart file part whose content is `size` bytes, sent in CHUNK-sized pieces.
function* partChunks(name: string, size: number): Generator<Uint8Array> {
  const [head, tail] = splitPart(name);
  yield head;
  for (let sent = 0; sent < size; sent += CHUNK)
    yield new Uint8Array(Math.min(CHUNK, size - sent)).fill(0x61);
  yield tail;
}

function splitPart(name: string): [Uint8Array, Uint8Array] {
  const whole = filePart(name, "");
  return [whole.subarray(0, whole.byteLength - 2), whole.subarray(whole.byteLength - 2)];
}

function* files(count: number, size: number): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) yield* partChunks(`part-${i}.txt`, size);
  yield closing();
}

async function nothingStored(cookie: string): Promise<void> {
  const res = await api("/api/knowledge", { cookie });
  expect(((await res.json()) as { files: unknown[] }).files).toEqual([]);
  const accountId = await accountOf(cookie);
  const objects = await env.KNOWLEDGE.list({ prefix: `knowledge/${accountId}/` });
  expect(objects.objects).toEqual([]);
  const rows = await env.DB.prepare(
    "SELECT count(*) AS n FROM knowledge_files WHERE account_id = ?",
  )
    .bind(accountId)
    .first<{ n: number }>();
  expect(rows?.n).toBe(0);
}

// The server may read a little past the limit (what is already in flight), never the whole body.
const SLACK = 4 * MB;

describe("upload limits count the bytes actually sent", () => {
  it("cuts a chunked upload without Content-Length at the limit: 413, nothing stored", async () => {
    const cookie = await signIn(uniqueEmail("up-chunked"));
    // Three files under the per-file limit, together over the per-upload limit.
    const size = MAX_FILE_BYTES - MB;
    expect(3 * size).toBeGreaterThan(MAX_UPLOAD_BODY_BYTES);
    const body = countedStream(files(3, size));
    const res = await postBody("/api/knowledge", cookie, body.stream);
    expect(body.pulled()).toBeLessThan(MAX_UPLOAD_BODY_BYTES + SLACK);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("upload_too_large");
    await nothingStored(cookie);
  });

  it("cuts a body that is far larger than its small Content-Length says", async () => {
    const cookie = await signIn(uniqueEmail("up-liar"));
    const body = countedStream(files(1, 60 * MB));
    const res = await postBody("/api/knowledge", cookie, body.stream, { "content-length": "1000" });
    expect(body.pulled()).toBeLessThan(MAX_UPLOAD_BODY_BYTES + SLACK);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("upload_too_large");
    await nothingStored(cookie);
  });

  it("refuses files that fit the body's limit but not the upload's, whatever the framing", async () => {
    const cookie = await signIn(uniqueEmail("up-sum"));
    // Just under the body limit in all, just over MAX_UPLOAD_BYTES in files.
    const each = Math.floor(MAX_UPLOAD_BYTES / 3) + 1024;
    const body = countedStream(files(3, each));
    const res = await postBody("/api/knowledge", cookie, body.stream);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("upload_too_large");
    await nothingStored(cookie);
  });

  it("still refuses an honest Content-Length over the limit before reading anything", async () => {
    const cookie = await signIn(uniqueEmail("up-honest"));
    const body = countedStream(files(1, 30 * MB));
    const res = await postBody("/api/knowledge", cookie, body.stream, {
      "content-length": String(30 * MB + 1000),
    });
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(SLACK);
    await nothingStored(cookie);
  });

  it("accepts a full-size upload sent chunked", async () => {
    const cookie = await signIn(uniqueEmail("up-ok"));
    const size = Math.floor(MAX_UPLOAD_BYTES / 3) - 1024;
    const res = await postBody("/api/knowledge", cookie, countedStream(files(3, size)).stream);
    expect(res.status).toBe(201);
    const { files: stored } = (await res.json()) as { files: { size: number }[] };
    expect(stored.map((f) => f.size)).toEqual([size, size, size]);
  });
});

describe("JSON bodies count the bytes actually sent", () => {
  it("cuts a chunked JSON body at the limit with 413", async () => {
    const pad = enc.encode("x".repeat(CHUNK));
    function* json(): Generator<Uint8Array> {
      yield enc.encode('{"email":"a@example.com","pad":"');
      for (let i = 0; i < 64; i++) yield pad; // 16 MB
      yield enc.encode('"}');
    }
    const body = countedStream(json());
    const res = await fetchJson("/api/auth/magic-link", body.stream);
    expect(body.pulled()).toBeLessThan(MAX_JSON_BODY_BYTES + SLACK);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("body_too_large");
  });

  it("cuts a JSON body larger than its Content-Length says", async () => {
    const cookie = await signIn(uniqueEmail("json-liar"));
    const body = countedStream(
      (function* () {
        yield enc.encode('{"name":"');
        for (let i = 0; i < 64; i++) yield enc.encode("A".repeat(CHUNK));
        yield enc.encode('","role":"executive-assistant","tone":"friendly","skills":[]}');
      })(),
    );
    const res = await fetchJson("/api/employees", body.stream, { cookie, "content-length": "60" });
    expect(body.pulled()).toBeLessThan(MAX_JSON_BODY_BYTES + SLACK);
    expect(res.status).toBe(413);
  });
});

function fetchJson(
  path: string,
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "cf-connecting-ip": "2001:db8::99",
        ...headers,
      },
    }),
  );
}
