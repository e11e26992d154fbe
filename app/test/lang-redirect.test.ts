// @vitest-environment node
// Node's WHATWG URL is the parser browsers use to follow a Location header, so "where would a
// browser go" is asked of it directly (happy-dom's globals are not wanted here).
import type { APIEvent } from "@solidjs/start/server";
import { describe, expect, it } from "vitest";
import { GET } from "../src/routes/lang/[code].tsx";

const APP = "https://app.example";

// Calls the real handler the way SolidStart does: the route's params and the request. `rawQuery`
// goes into the URL as it is, so percent-encodings reach the handler exactly as a link has them.
function switchTo(code: string, rawQuery: string): Response {
  return GET({ params: { code }, request: requestFor(code, rawQuery) } as unknown as APIEvent);
}

function requestFor(code: string, rawQuery: string): Request {
  return new Request(`${APP}/lang/${code}?${rawQuery}`);
}

// Where the browser ends up: the Location resolved against the page it was served for.
function followed(res: Response, code = "de"): URL {
  const location = res.headers.get("location");
  if (location === null) throw new Error("no Location header");
  return new URL(location, `${APP}/lang/${code}`);
}

// Open-redirect payloads as attackers write them: protocol-relative, backslashes (browsers treat
// `\` as `/` in http URLs), control characters browsers strip while parsing, schemes, userinfo,
// dot segments that collapse into `//`, and each of these percent-encoded once and twice.
const payloads = [
  "//evil.example",
  "///evil.example",
  "////evil.example/x",
  "/\\evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\\/evil.example",
  "/%5Cevil.example",
  "%2F%2Fevil.example",
  "%2f%2fevil.example",
  "/%2F/evil.example",
  "%252F%252Fevil.example",
  "https:evil.example",
  "https:/evil.example",
  "https://evil.example",
  "HTTPS://evil.example",
  "http:\\\\evil.example",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "/\u0000/evil.example",
  "/.//evil.example",
  "/./\\evil.example",
  "/x/..//evil.example",
  "/%2e%2e//evil.example",
  "//evil.example@app.example",
  "/@evil.example",
  "//app.example@evil.example",
  "/\u3000/evil.example",
  "\u2028//evil.example",
  "/?next=//evil.example\r\nSet-Cookie: a=b",
];

const encodings: [string, (p: string) => string][] = [
  ["decoded once by the handler", (p) => new URLSearchParams({ back: p }).toString()],
  ["as typed into a URL", (p) => `back=${p}`],
  ["twice-encoded", (p) => `back=${encodeURIComponent(encodeURIComponent(p))}`],
];

describe("the language switch only ever returns to this site", () => {
  for (const [how, encode] of encodings) {
    it.each(payloads)(`back=%j (${how}) stays on the app's origin`, (payload) => {
      // The request line as the runtime parsed it (URL parsing strips tabs and newlines, as
      // browsers do); the handler must neither throw on what reaches it nor leave the site.
      const res = GET({
        params: { code: "de" },
        request: requestFor("de", encode(payload)),
      } as unknown as APIEvent);
      expect(res.status).toBe(303);
      const location = res.headers.get("location") ?? "";
      // Nothing a browser would strip or reinterpret: printable ASCII without backslashes.
      expect([...location].every((ch) => ch > " " && ch < "\u007f" && ch !== "\\")).toBe(true);
      expect(location.startsWith("/")).toBe(true);
      expect(location.startsWith("//")).toBe(false);
      const target = followed(res);
      expect(target.origin).toBe(APP);
      expect(target.protocol).toBe("https:");
      // The cookie is still set: only the destination was refused.
      expect(res.headers.get("set-cookie")).toMatch(/^iw_lang=de;/);
    });
  }

  it.each([
    ["/", "/"],
    ["/pricing", "/pricing"],
    ["/employees/abc?tab=settings", "/employees/abc?tab=settings"],
    ["/sign-in?error=link_used#top", "/sign-in?error=link_used#top"],
    ["/a b", "/a%20b"],
  ])("returns to %j on this site", (back, expected) => {
    const res = switchTo("en", new URLSearchParams({ back }).toString());
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(expected);
    expect(followed(res, "en").origin).toBe(APP);
  });

  it("without back, or with an unknown language, returns home and sets nothing unknown", () => {
    expect(switchTo("de", "").headers.get("location")).toBe("/");
    const unknown = switchTo("xx", "back=/pricing");
    expect(unknown.headers.get("location")).toBe("/pricing");
    expect(unknown.headers.get("set-cookie")).toBeNull();
  });
});
