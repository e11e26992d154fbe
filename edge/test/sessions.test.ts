import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionView } from "../contract/team.ts";
import {
  api,
  client,
  confirmSignIn,
  cookieFrom,
  errorOf,
  requestLink,
  tokenOf,
  uniqueEmail,
} from "./helpers.ts";
import { auditActions } from "./team-helpers.ts";

const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1";
const FIREFOX_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

/** Signs in from a browser with this User-Agent and address; the session cookie. */
async function signInFrom(email: string, userAgent: string, ip: string): Promise<string> {
  const res = await confirmSignIn(tokenOf(await requestLink(email)), {
    ip,
    headers: { "user-agent": userAgent },
  });
  const cookie = cookieFrom(res, "iw_session");
  if (!cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie;
}

const list = async (cookie: string): Promise<SessionView[]> =>
  (await client(cookie)("GET /api/sessions")).sessions;
const signedIn = async (cookie: string) => (await api("/api/me", { cookie })).status === 200;

describe("sessions: where I am signed in", () => {
  it("lists my live sessions with device, address, times and which is this one", async () => {
    const email = uniqueEmail("devices");
    const laptop = await signInFrom(email, CHROME_MAC, "2001:db8::a1");
    const phone = await signInFrom(email, SAFARI_IPHONE, "2001:db8::a2");
    await signInFrom(uniqueEmail("someone-else"), FIREFOX_WINDOWS, "2001:db8::a3");
    // An expired session is not listed.
    const expired = await signInFrom(email, FIREFOX_WINDOWS, "2001:db8::a4");
    const mine = await list(expired);
    const expiredId = mine.find((s) => s.current)?.id;
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, expiredId)
      .run();

    const seen = await list(laptop);
    expect(seen.map((s) => [s.device, s.ip, s.current]).sort()).toEqual([
      ["Chrome on macOS", "2001:db8::a1", true],
      ["Safari on iOS", "2001:db8::a2", false],
    ]);
    for (const s of seen) {
      expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.parse(s.lastSeenAt));
    }
    expect((await list(phone)).find((s) => s.current)?.device).toBe("Safari on iOS");
    // Neither the token nor its hash is ever shown.
    const body = JSON.stringify(seen);
    expect(body).not.toContain(laptop.split("=")[1]);
    expect(body).not.toMatch(/[0-9a-f]{64}/);
    expect((await api("/api/sessions")).status).toBe(401);
  });

  it("ends another of my sessions: it is signed out, this one stays", async () => {
    const email = uniqueEmail("end-one");
    const laptop = await signInFrom(email, CHROME_MAC, "2001:db8::b1");
    const phone = await signInFrom(email, SAFARI_IPHONE, "2001:db8::b2");
    const phoneId = (await list(phone)).find((s) => s.current)?.id ?? "";
    const res = await api(`/api/sessions/${phoneId}`, { method: "DELETE", cookie: laptop });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(laptop)).toBe(true);
    expect((await list(laptop)).map((s) => s.device)).toEqual(["Chrome on macOS"]);
    const again = await api(`/api/sessions/${phoneId}`, { method: "DELETE", cookie: laptop });
    expect(again.status).toBe(404);
    const me = await client(laptop)("GET /api/me");
    expect(await auditActions(me.account.id)).toEqual(["session.end"]);
  });

  it("ending this session signs it out and clears the cookie", async () => {
    const cookie = await signInFrom(uniqueEmail("end-this"), CHROME_MAC, "2001:db8::c1");
    const id = (await list(cookie)).find((s) => s.current)?.id ?? "";
    const res = await api(`/api/sessions/${id}`, { method: "DELETE", cookie });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join("\n")).toMatch(/iw_session=;.*Max-Age=0/i);
    expect(await signedIn(cookie)).toBe(false);
  });

  it("ends every other session of mine, and nobody else's", async () => {
    const email = uniqueEmail("end-others");
    const here = await signInFrom(email, CHROME_MAC, "2001:db8::d1");
    const others = [
      await signInFrom(email, SAFARI_IPHONE, "2001:db8::d2"),
      await signInFrom(email, FIREFOX_WINDOWS, "2001:db8::d3"),
    ];
    const stranger = await signInFrom(uniqueEmail("stranger"), CHROME_MAC, "2001:db8::d4");
    const res = await api("/api/sessions", { method: "DELETE", cookie: here });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()).toEqual([]);
    for (const cookie of others) expect(await signedIn(cookie)).toBe(false);
    expect(await signedIn(here)).toBe(true);
    expect(await signedIn(stranger)).toBe(true);
    expect((await list(here)).map((s) => s.current)).toEqual([true]);
  });

  it("another person's session, an unknown or malformed id: 404, and it lives on", async () => {
    const mine = await signInFrom(uniqueEmail("mine"), CHROME_MAC, "2001:db8::e1");
    const theirs = await signInFrom(uniqueEmail("theirs"), SAFARI_IPHONE, "2001:db8::e2");
    const theirId = (await list(theirs)).find((s) => s.current)?.id ?? "";
    for (const id of [theirId, crypto.randomUUID(), "not-a-session", "f".repeat(200)]) {
      const res = await api(`/api/sessions/${id}`, { method: "DELETE", cookie: mine });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    expect(await signedIn(theirs)).toBe(true);
    expect(await signedIn(mine)).toBe(true);
  });
});
