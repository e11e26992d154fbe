// Generated hostile input for the agent's HTTP servers: raw requests built from classes of bad
// request lines, targets, headers and bodies, some mutated byte by byte (fuzz-frames.ts has the
// hub's). Seeded, so a failure can be replayed.

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

export const pickFrom =
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
