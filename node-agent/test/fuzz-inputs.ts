// Generated hostile input for the agent's servers: raw HTTP requests built from classes of bad
// request lines, targets, headers and bodies, some mutated byte by byte; and WebSocket frames for
// the hub, from wrong JSON to frames the protocol forbids. Seeded, so a failure can be replayed.

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HttpFuzzContext {
  /** Targets the server serves (relay paths, the proxy's pages, a token URL). */
  validTargets: string[];
  /** Host headers the server serves. */
  validHosts: string[];
  /** Headers a real client of this server sends (a grant cookie, a content type). */
  validHeaders: string[];
  /** Whole requests the server serves; some are sent as they are, some mutated. */
  validRequests: string[];
}

export interface FuzzRequest {
  bytes: Buffer;
  /** Half-close our side after writing (otherwise the request may just stop). */
  end: boolean;
  klass: string;
}

const pickFrom =
  (r: () => number) =>
  <T>(xs: readonly T[]): T =>
    xs[Math.floor(r() * xs.length)] as T;

const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
const ODD_METHODS = [
  "PROPFIND",
  "TRACE",
  "CONNECT",
  "FOO",
  "get",
  "G ET",
  "",
  "GET\x00",
  "M".repeat(300),
  "ÄÖ",
  "PRI",
  "SEARCH",
  "M-SEARCH",
];
const VERSIONS = [
  "HTTP/1.1",
  "HTTP/1.0",
  "HTTP/2.0",
  "HTTP/0.9",
  "HTTP/1.2",
  "http/1.1",
  "HTTP/11",
  "",
  "HTTP/1.1 x",
];
const CONTROL = [..."\x00\x01\x07\x08\x09\x0b\x0c\x0e\x1b\x1f\x7f\x80\xff", " ", "\r", "\n"];

function targetOf(r: () => number, ctx: HttpFuzzContext): [string, string] {
  const pick = pickFrom(r);
  const valid = pick(ctx.validTargets);
  const classes: Record<string, () => string> = {
    valid: () => valid,
    absolute: () =>
      pick([
        `http://${pick(ctx.validHosts)}${valid}`,
        "https://evil.example/v1/models",
        "http://[::1]:80/",
        "http://[/",
        "http://a:b@c/x",
        "HTTP://X/v1/chat/completions",
        `http://127.0.0.1:1${valid}`,
      ]),
    schemeRelative: () =>
      pick(["//evil.example/x", "///x", "//[::1]/", `//${pick(ctx.validHosts)}${valid}`]),
    badPercent: () =>
      pick(["/%", "/%z", "/%zz", "/v1/%E0%A4%A", "/%%", "/%2", `${valid}%`, "/%u0041"]),
    dotRaw: () =>
      pick(["/..", "/../..", "/v1/../v1/models", "/./", "/a/./b", `${valid}/..`, `/x/..${valid}`]),
    dotEncoded: () =>
      pick(["/%2e%2e/", "/%2E%2e/x", "/.%2e/", "/%2e/", "/v1/%2e%2e%2fapi", `/x/%2e%2e${valid}`]),
    encodedSeparator: () => pick(["/v1%2fmodels", "/%5c%5cevil", "/a%2F..%2Fb", `${valid}%2f`]),
    backslash: () => pick(["/\\evil.example", "\\\\x", "/v1\\models", `${valid}\\..`]),
    overlong: () => `/${"a".repeat(pick([4097, 8000, 20_000, 70_000]))}`,
    control: () => {
      const at = 1 + Math.floor(r() * valid.length);
      return `${valid.slice(0, at)}${pick(CONTROL)}${valid.slice(at)}`;
    },
    odd: () =>
      pick([
        "*",
        "evil.example:443",
        "",
        "?",
        "#",
        "/#x",
        "/?access=",
        `/?access=v1.${"A".repeat(3000)}`,
      ]),
    query: () =>
      `${valid}${valid.includes("?") ? "&" : "?"}${pick(["x=1", "access=junk", "a=%zz", "&&&", "url=http://evil.example/"])}`,
  };
  const klass = pick(Object.keys(classes));
  return [klass, (classes[klass] as () => string)()];
}

function headersOf(r: () => number, ctx: HttpFuzzContext): string[] {
  const pick = pickFrom(r);
  const host =
    r() < 0.7
      ? pick(ctx.validHosts)
      : pick([
          "[::1]",
          "[",
          "[::1]:80",
          "a b",
          "x".repeat(300),
          `${pick(ctx.validHosts)}:99999`,
          `${pick(ctx.validHosts)}:-1`,
          "",
          "évil",
        ]);
  const lines: string[] = [];
  const hostMode = r();
  if (hostMode < 0.85) lines.push(`Host: ${host}`);
  else if (hostMode < 0.93) lines.push(`Host: ${host}`, "Host: evil.example");
  if (r() < 0.6) lines.push(...ctx.validHeaders.filter(() => r() < 0.8));
  const extras = [
    () =>
      `Content-Length: ${pick(["0", "5", "-1", "abc", "99999999999999999999", "1, 2", " 3", "+3", "4294967296"])}`,
    () =>
      `Transfer-Encoding: ${pick(["chunked", "gzip, chunked", "chunked, gzip", "identity", "xchunked", " chunked"])}`,
    () =>
      `Cookie: ${pick(["__Host-iw_access=garbage", `__Host-iw_access=v1.${"A".repeat(3000)}`, "a=b; a=c", "=;=;", "iw_access=v1.x.y"])}`,
    () =>
      `Authorization: ${pick(["Bearer iwk_made_up_0000000000000000", "Basic YTpi", "Bearer", ""])}`,
    () =>
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    () =>
      "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
    () => `X-Forwarded-For: ${pick(["1.2.3.4", "127.0.0.1", "x\x01y", "::1, ::1"])}`,
    () => "X-Forwarded-User: admin\r\nX-OpenClaw-Scopes: operator.admin",
    () => "X-Folded: a\r\n b",
    () => "BadHeaderWithoutColon",
    () => "X-Null: a\x00b",
    () => `X-Huge: ${"h".repeat(20_000)}`,
    () => Array.from({ length: 150 }, (_, i) => `X-Many-${i}: ${i}`).join("\r\n"),
    () => "Expect: 100-continue",
    () => `${"N".repeat(200)}: v`,
    () => ": empty-name",
  ];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) lines.push((pick(extras) as () => string)());
  return lines;
}

function bodyOf(r: () => number): [string[], string, boolean] {
  const pick = pickFrom(r);
  const json = '{"model":"auto","messages":[{"role":"user","content":"hi"}]}';
  const kinds: [string[], string, boolean][] = [
    [[], "", r() < 0.5],
    [["Content-Type: application/json", `Content-Length: ${json.length}`], json, r() < 0.5],
    [
      ["Transfer-Encoding: chunked"],
      `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
      r() < 0.5,
    ],
    [
      ["Transfer-Encoding: chunked"],
      pick(["zz\r\nabc\r\n", "5\r\nabc", "ffffffffffffffff\r\n", "3;ext=x\r\nabc\r\n0\r\n\r\n"]),
      r() < 0.5,
    ],
    [["Content-Length: 1000"], "only a part of it", true], // half-sent, then our FIN
    [["Content-Length: 1000"], "only a part of it", false], // half-sent, then silence
    [["Content-Length: 5000000"], "x".repeat(1000), true], // over the limit
    [
      [],
      Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))).toString("latin1"),
      r() < 0.5,
    ],
  ];
  return pick(kinds);
}

function mutate(r: () => number, bytes: Buffer): Buffer {
  const b = [...bytes];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n && b.length; i++) {
    const at = Math.floor(r() * b.length);
    const op = Math.floor(r() * 5);
    if (op === 0) b[at] = Math.floor(r() * 256);
    else if (op === 1) b.splice(at, 1);
    else if (op === 2) b.splice(at, 0, Math.floor(r() * 256));
    else if (op === 3) b.splice(at, 0, ...b.slice(at, at + 1 + Math.floor(r() * 20)));
    else b.length = at;
  }
  return Buffer.from(b);
}

export function* httpRequests(
  seed: number,
  count: number,
  ctx: HttpFuzzContext,
): Generator<FuzzRequest> {
  const r = prng(seed);
  const pick = pickFrom(r);
  for (let i = 0; i < count; i++) {
    if (r() < 0.15) {
      const bytes = Buffer.from(pick(ctx.validRequests), "latin1");
      const mutated = r() < 0.5;
      yield {
        bytes: mutated ? mutate(r, bytes) : bytes,
        end: r() < 0.5,
        klass: mutated ? "valid+mutated" : "valid",
      };
      continue;
    }
    const method = r() < 0.85 ? pick(METHODS) : pick(ODD_METHODS);
    const [klass, target] = targetOf(r, ctx);
    const version = r() < 0.8 ? "HTTP/1.1" : pick(VERSIONS);
    const [bodyHeaders, body, end] = bodyOf(r);
    const head = [`${method} ${target} ${version}`.trimEnd(), ...headersOf(r, ctx), ...bodyHeaders];
    const bytes = Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`, "latin1");
    const mutated = r() < 0.25;
    yield {
      bytes: mutated ? mutate(r, bytes) : bytes,
      end,
      klass: mutated ? `${klass}+mutated` : klass,
    };
  }
}

// ---- the hub: frames from the edge ----

const VALID_FRAMES = (employeeId: string): unknown[] => [
  { type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs: 10_000 },
  { type: "rejected", reason: "x" },
  { type: "container.stop", id: "c1", employeeId },
  { type: "memory.read", id: "m1", employeeId },
  // No inventory.reconcile: a mutated `keep` is a legitimate order to remove the node's employee.
];

function mutateValue(r: () => number, v: unknown, depth = 0): unknown {
  const pick = pickFrom(r);
  if (depth > 3 || r() < 0.3)
    return pick([
      null,
      true,
      -1,
      0,
      1e308,
      2 ** 53 + 1,
      "",
      "x".repeat(Math.floor(r() * 2000)),
      "../../etc/passwd",
      "\u0000",
      "💥",
      [],
      {},
      { __proto__: { polluted: true } },
      [1, [2, [3]]],
      undefined,
    ]);
  if (Array.isArray(v)) return v.map((x) => mutateValue(r, x, depth + 1));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (r() < 0.15) continue;
      out[r() < 0.1 ? pick(["type", "id", "__proto__", "constructor", "", "employeeId"]) : k] =
        r() < 0.4 ? mutateValue(r, x, depth + 1) : x;
    }
    return out;
  }
  return mutateValue(r, null, 4);
}

export interface FuzzFrame {
  data: string | Buffer;
  binary: boolean;
}

/** Frames the hub must ignore (or answer with a failed result): none may end the connection. */
export function* appFrames(seed: number, count: number, employeeId: string): Generator<FuzzFrame> {
  const r = prng(seed);
  const pick = pickFrom(r);
  for (let i = 0; i < count; i++) {
    const k = r();
    if (k < 0.45) {
      let text = JSON.stringify(mutateValue(r, pick(VALID_FRAMES(employeeId)))) ?? "null";
      // A command for someone this node does not run must not touch the one it does.
      text = text.replaceAll(employeeId, `zz${i}`);
      yield { data: text, binary: false };
    } else if (k < 0.6) {
      const text = JSON.stringify(pick(VALID_FRAMES(`zz${i}`)));
      const at = Math.floor(r() * text.length);
      yield {
        data:
          text.slice(0, at) +
          pick(["", "}", "{", '"', "\\", ",", "]", "\u0000"]) +
          text.slice(at + 1),
        binary: false,
      };
    } else if (k < 0.7) {
      yield {
        data: Buffer.from(
          Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256)),
        ),
        binary: true,
      };
    } else if (k < 0.8) {
      yield {
        data: pick([
          "",
          "null",
          "[]",
          "0",
          '"welcome"',
          `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
          `{"type":"rejected","reason":"${"r".repeat(200_000)}"}`,
          '{"type":"welcome","protocol":1,"nodeId":"n1","heartbeatIntervalMs":1}',
          '{"type":"welcome","protocol":1,"nodeId":"n1","heartbeatIntervalMs":1099511627776}',
          '{"type":"welcome","protocol":999,"nodeId":"x".repeat(65),"heartbeatIntervalMs":1}',
        ]),
        binary: false,
      };
    } else {
      // Well-formed commands about employees this node does not run.
      const id = `zz${i}`;
      yield {
        data: JSON.stringify(
          pick([
            { type: "container.start", id: `s${i}`, employeeId: id },
            { type: "container.stop", id: `t${i}`, employeeId: id },
            { type: "container.restart", id: `r${i}`, employeeId: id },
            { type: "container.remove", id: `x${i}`, employeeId: id },
            { type: "memory.read", id: `m${i}`, employeeId: id },
            {
              type: "employee.configure",
              id: `c${i}`,
              employeeId: id,
              spec: {
                employeeId: "other",
                userId: "u",
                name: "n",
                role: "no-such-role",
                tone: "t",
                skills: [],
              },
            },
            {
              type: "knowledge.sync",
              id: `k${i}`,
              employeeId: id,
              userId: id,
              own: [],
              shared: [],
            },
          ]),
        ),
        binary: false,
      };
    }
  }
}

/** Raw bytes the protocol forbids a server to send: each ends the connection (the agent redials). */
export function protocolViolations(seed: number): { name: string; bytes: Buffer }[] {
  const r = prng(seed);
  return [
    { name: "reserved opcode", bytes: Buffer.from([0x83, 0x00]) },
    { name: "RSV1 without an extension", bytes: Buffer.from([0xc1, 0x01, 0x41]) },
    { name: "masked server frame", bytes: Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x40]) },
    { name: "invalid UTF-8 text", bytes: Buffer.from([0x81, 0x02, 0xff, 0xfe]) },
    { name: "fragmented ping", bytes: Buffer.from([0x09, 0x00]) },
    { name: "continuation without a start", bytes: Buffer.from([0x80, 0x01, 0x41]) },
    { name: "close code 999", bytes: Buffer.from([0x88, 0x02, 0x03, 0xe7]) },
    {
      name: "64-bit length with the top bit set",
      bytes: Buffer.from([0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    },
    {
      name: "control frame over 125 bytes",
      bytes: Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126)]),
    },
    {
      name: "new text frame inside a fragmented one",
      bytes: Buffer.from([0x01, 0x01, 0x41, 0x81, 0x01, 0x41]),
    },
    { name: "announces 1 TiB", bytes: Buffer.from([0x82, 0x7f, 0, 0, 0x01, 0, 0, 0, 0, 0]) },
    {
      name: "random bytes",
      bytes: Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))),
    },
  ];
}
