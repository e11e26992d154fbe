import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  confirmSignIn,
  cookieFrom,
  errorOf,
  mailbox,
  ORIGIN,
  requestLink,
  signIn,
  tokenOf,
  uniqueEmail,
  uniqueIp,
} from "./helpers.ts";

const APP_CONFIRM_PATH = "/sign-in/confirm";

const tokenRow = (email: string) =>
  env.DB.prepare("SELECT token_hash, expires_at, used_at FROM login_tokens WHERE email = ?")
    .bind(email)
    .first<{ token_hash: string; expires_at: number; used_at: number | null }>();

const userCount = async (email: string) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number }>()
  )?.n ?? 0;

describe("magic-link sign-in", () => {
  it("signs a new person in: the email opens the app's confirmation page, its POST signs in", async () => {
    const email = uniqueEmail("new");
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email: email.toUpperCase() },
    });
    expect(res.status).toBe(202);

    const [message] = await mailbox(email);
    expect(message?.to).toBe(email);
    expect(message?.subject).toMatch(/sign-in link/i);
    // The link is a page of the app that asks first, never the API that signs in.
    const link = new URL(message?.link ?? "");
    expect(link.origin).toBe(ORIGIN);
    expect(link.pathname).toBe(APP_CONFIRM_PATH);
    const token = link.searchParams.get("token") ?? "";
    expect(token).toMatch(/^[\w-]{40,}$/);

    // What the page shows: whose account the link opens, and until when.
    const look = await api(`/api/auth/magic-link?token=${token}`);
    expect(look.status).toBe(200);
    const shown = (await look.json()) as { email: string; expiresAt: string };
    expect(shown.email).toBe(email);
    expect(Date.parse(shown.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(look.headers.get("cache-control")).toMatch(/no-store/);

    const verify = await confirmSignIn(token);
    expect(verify.status).toBe(303);
    expect(verify.headers.get("location")).toBe(`${ORIGIN}/onboarding`);
    const setCookie = verify.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/iw_session=[\w-]{40,}/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // development only

    const me = await api("/api/me", { cookie: cookieFrom(verify, "iw_session") });
    expect(me.status).toBe(200);
    const body = (await me.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      user: { email, name: null },
      plan: "trial",
      subscription: null,
      limits: { maxEmployees: 1 },
      usage: { employees: 0 },
    });
    const trialEnds = Date.parse(String(body.trialEndsAt));
    expect(trialEnds - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect(trialEnds - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
  });

  it("survives mail scanners: any number of GETs and HEADs never consume or change the link", async () => {
    const email = uniqueEmail("scanner");
    const link = await requestLink(email);
    const token = tokenOf(link);
    const before = await tokenRow(email);
    // What scanners and link previews do: fetch the page's look-up, and the old API link too
    // (mails sent before this change), again and again, with and without following redirects.
    for (let i = 0; i < 5; i++) {
      for (const method of ["GET", "HEAD"]) {
        const look = await api(`/api/auth/magic-link?token=${token}`, { method });
        expect(look.status).toBe(200);
        expect(look.headers.getSetCookie()).toEqual([]);
        const old = await api(`/api/auth/magic-link/verify?token=${token}`, { method });
        expect(old.status).toBe(302);
        const to = new URL(old.headers.get("location") ?? "");
        expect(to.origin + to.pathname).toBe(`${ORIGIN}${APP_CONFIRM_PATH}`);
        expect(to.searchParams.get("token")).toBe(token);
        expect(old.headers.getSetCookie()).toEqual([]);
      }
    }
    expect(await tokenRow(email)).toEqual(before);
    expect(before?.used_at).toBeNull();
    expect(await userCount(email)).toBe(0);
    // The person's own press still works afterwards.
    const res = await confirmSignIn(token);
    expect(res.status).toBe(303);
    expect(cookieFrom(res, "iw_session")).toBeTruthy();
  });

  it("signs in only from a POST the app's own page sent: any other origin is refused and changes nothing", async () => {
    const email = uniqueEmail("csrf");
    const token = tokenOf(await requestLink(email));
    const form = new URLSearchParams({ token }).toString();
    const formType = { "content-type": "application/x-www-form-urlencoded" };
    const refused: [string, Record<string, string>][] = [
      ["another site", { ...formType, origin: "https://evil.example" }],
      ["a look-alike host", { ...formType, origin: `${ORIGIN}.evil.example` }],
      ["another scheme", { ...formType, origin: ORIGIN.replace("http:", "https:") }],
      ["another port", { ...formType, origin: "http://localhost:8788" }],
      ["an opaque origin (sandboxed frame, data: URL)", { ...formType, origin: "null" }],
      ["no Origin at all", formType],
      [
        "no Origin but a same-origin Sec-Fetch-Site",
        { ...formType, "sec-fetch-site": "same-origin" },
      ],
    ];
    for (const [what, headers] of refused) {
      const res = await api("/api/auth/magic-link/verify", { method: "POST", body: form, headers });
      expect([what, res.status]).toEqual([what, 403]);
      expect((await errorOf(res)).code).toBe("csrf_rejected");
      expect(cookieFrom(res, "iw_session")).toBeUndefined();
    }
    // The request's own host does not count either: only the configured app origin does.
    const spoofed = await exports.default.fetch(
      new Request("http://evil.example/api/auth/magic-link/verify", {
        method: "POST",
        body: form,
        headers: { ...formType, origin: "http://evil.example" },
        redirect: "manual",
      }),
    );
    expect(spoofed.status).toBe(403);
    // Only a form or JSON-free body of the one expected type.
    for (const type of ["application/json", "text/plain", "multipart/form-data; boundary=x"]) {
      const res = await confirmSignIn(token, { headers: { "content-type": type } });
      expect([type, res.status]).toEqual([type, 415]);
    }
    expect((await tokenRow(email))?.used_at).toBeNull();
    expect(await userCount(email)).toBe(0);
    expect((await confirmSignIn(token)).status).toBe(303);
  });

  it("cannot sign a victim into the attacker's account", async () => {
    const victimEmail = uniqueEmail("victim");
    const victim = await signIn(victimEmail);
    // The attacker asks for a link to their own account and gets the victim's browser to use it:
    // opening it (a link, an image, a frame, a redirect) or posting it from the attacker's page.
    const attackerEmail = uniqueEmail("attacker");
    const token = tokenOf(await requestLink(attackerEmail));
    const opened = await api(`/api/auth/magic-link/verify?token=${token}`, { cookie: victim });
    expect(opened.headers.getSetCookie()).toEqual([]);
    const posted = await confirmSignIn(token, {
      cookie: victim,
      headers: { origin: "https://attacker.example", "sec-fetch-site": "cross-site" },
    });
    expect(posted.status).toBe(403);
    expect(posted.headers.getSetCookie()).toEqual([]);
    const me = (await (await api("/api/me", { cookie: victim })).json()) as {
      user: { email: string };
    };
    expect(me.user.email).toBe(victimEmail);
    expect((await tokenRow(attackerEmail))?.used_at).toBeNull();
  });

  it("looks a link up without consuming it, in the API's error shape", async () => {
    const email = uniqueEmail("lookup");
    const token = tokenOf(await requestLink(email));
    const forged = await api(`/api/auth/magic-link?token=${token.slice(0, -2)}xx`);
    expect(forged.status).toBe(404);
    expect((await errorOf(forged)).code).toBe("link_invalid");
    const missing = await api("/api/auth/magic-link");
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).fields).toHaveProperty("token");

    expect((await confirmSignIn(token)).status).toBe(303);
    const used = await api(`/api/auth/magic-link?token=${token}`);
    expect(used.status).toBe(410);
    expect((await errorOf(used)).code).toBe("link_used");

    const later = uniqueEmail("lookup-expired");
    const stale = tokenOf(await requestLink(later));
    await env.DB.prepare("UPDATE login_tokens SET expires_at = ? WHERE email = ?")
      .bind(Date.now() - 1, later)
      .run();
    const expired = await api(`/api/auth/magic-link?token=${stale}`);
    expect(expired.status).toBe(410);
    expect((await errorOf(expired)).code).toBe("link_expired");
  });

  it("stores only a hash of the token and of the session", async () => {
    const email = uniqueEmail("hash");
    const token = tokenOf(await requestLink(email));
    const rows = await env.DB.prepare("SELECT token_hash FROM login_tokens WHERE email = ?")
      .bind(email)
      .all<{ token_hash: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.results[0]?.token_hash).not.toContain(token);

    const cookie = (await signIn(email)).split("=")[1] ?? "";
    const hit = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE token_hash = ?")
      .bind(cookie)
      .first<{ n: number }>();
    expect(hit?.n).toBe(0);
  });

  it("sends a returning person to the dashboard", async () => {
    const email = uniqueEmail("returning");
    await signIn(email);
    const res = await confirmSignIn(tokenOf(await requestLink(email)));
    expect(res.headers.get("location")).toBe(`${ORIGIN}/dashboard`);
  });

  it("refuses a link used twice", async () => {
    const token = tokenOf(await requestLink(uniqueEmail("twice")));
    expect((await confirmSignIn(token)).status).toBe(303);
    const again = await confirmSignIn(token);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=link_used`);
    expect(cookieFrom(again, "iw_session")).toBeUndefined();
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail("expired");
    const token = tokenOf(await requestLink(email));
    await env.DB.prepare("UPDATE login_tokens SET expires_at = ? WHERE email = ?")
      .bind(Date.now() - 1, email)
      .run();
    const res = await confirmSignIn(token);
    expect(res.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=link_expired`);
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
    expect(await userCount(email)).toBe(0);
  });

  it("refuses a tampered link", async () => {
    const token = tokenOf(await requestLink(uniqueEmail("tampered")));
    const res = await confirmSignIn(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`);
    expect(res.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=link_invalid`);
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
  });

  it("answers a missing token with 400 in the error shape", async () => {
    for (const res of [
      await api("/api/auth/magic-link/verify"),
      await confirmSignIn("", { body: "" }),
    ]) {
      expect(res.status).toBe(400);
      expect((await errorOf(res)).fields).toHaveProperty("token");
    }
  });

  it("lets only one of two concurrent presses on the same link sign in", async () => {
    const token = tokenOf(await requestLink(uniqueEmail("race")));
    const results = await Promise.all([confirmSignIn(token), confirmSignIn(token)]);
    const signedIn = results.filter((r) => cookieFrom(r, "iw_session"));
    expect(signedIn).toHaveLength(1);
  });
});

// Open-redirect payloads (protocol-relative, backslashes, schemes, control characters, dot
// segments, encodings) in every parameter name a return address is usually given under.
const REDIRECT_PAYLOADS = [
  "//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "%2F%2Fevil.example",
  "/%2F/evil.example",
  "https:evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
  "/\t/evil.example",
  "/.//evil.example",
  "//evil.example@localhost:8787",
];
const RETURN_PARAMS = [
  "next",
  "return",
  "returnTo",
  "return_to",
  "redirect",
  "redirect_uri",
  "continue",
  "url",
  "back",
];

describe("sign-in redirects stay on the app's origin", () => {
  it("ignores any return address given to the confirmation, in the query or the form", async () => {
    for (const payload of REDIRECT_PAYLOADS) {
      const extra = Object.fromEntries(RETURN_PARAMS.map((p) => [p, payload]));
      const token = tokenOf(await requestLink(uniqueEmail("redirects")));
      const query = new URLSearchParams(extra).toString();
      const res = await api(`/api/auth/magic-link/verify?${query}`, {
        method: "POST",
        body: new URLSearchParams({ token, ...extra }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      });
      expect([payload, res.status]).toEqual([payload, 303]);
      expect([payload, res.headers.get("location")]).toEqual([payload, `${ORIGIN}/onboarding`]);
      // A used link's error redirect too.
      const again = await api(`/api/auth/magic-link/verify?${query}`, {
        method: "POST",
        body: new URLSearchParams({ token, ...extra }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      });
      expect(again.headers.get("location")).toBe(`${ORIGIN}/sign-in?error=link_used`);
      // And the old link's redirect to the page carries nothing but the token.
      const old = await api(`/api/auth/magic-link/verify?token=${token}&${query}`);
      const to = new URL(old.headers.get("location") ?? "", ORIGIN);
      expect(to.origin).toBe(ORIGIN);
      expect([...to.searchParams.keys()]).toEqual(["token"]);
    }
  });
});

describe("sessions", () => {
  it("logout revokes the session on the server", async () => {
    const cookie = await signIn(uniqueEmail("logout"));
    expect((await api("/api/me", { cookie })).status).toBe(200);
    const out = await api("/api/auth/logout", { method: "POST", cookie });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/iw_session=;/);
    // The old cookie, replayed, no longer works: the row is gone, not just the browser's copy.
    const me = await api("/api/me", { cookie });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("unauthorized");
  });

  it("answers /api/me without a session, or with a forged one, 401", async () => {
    expect((await api("/api/me")).status).toBe(401);
    const forged = await api("/api/me", {
      cookie: "iw_session=forged-value-that-is-long-enough-to-look-real",
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.getSetCookie().join()).toMatch(/iw_session=;/);
  });

  it("refuses an expired session and extends an active one past half its life", async () => {
    const email = uniqueEmail("renew");
    const cookie = await signIn(email);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string }>();
    const day = 24 * 3600 * 1000;
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() + 10 * day, user?.id)
      .run();
    const renewed = await api("/api/me", { cookie });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.getSetCookie().join()).toMatch(/iw_session=/);
    const row = await env.DB.prepare("SELECT expires_at FROM sessions WHERE user_id = ?")
      .bind(user?.id)
      .first<{ expires_at: number }>();
    expect((row?.expires_at ?? 0) - Date.now()).toBeGreaterThan(29 * day);

    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, user?.id)
      .run();
    expect((await api("/api/me", { cookie })).status).toBe(401);
  });
});

describe("rate limits on sign-in links", () => {
  it("answers the sixth request for one email within 15 minutes with 429 and Retry-After", async () => {
    const email = uniqueEmail("limited");
    for (let i = 0; i < 5; i++) {
      expect((await api("/api/auth/magic-link", { method: "POST", json: { email } })).status).toBe(
        202,
      );
    }
    const res = await api("/api/auth/magic-link", { method: "POST", json: { email } });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(180);
    const error = await errorOf(res);
    expect(error.code).toBe("rate_limited");
    expect(error.message).toContain(`${retryAfter} second`);
    expect(await mailbox(email)).toHaveLength(5);

    // The count lives in the limiter's durable storage, not in memory: evicting the object (as a
    // deploy or restart does) changes nothing.
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`magic-link:email:${email}`));
    await evictDurableObject(stub);
    expect((await api("/api/auth/magic-link", { method: "POST", json: { email } })).status).toBe(
      429,
    );
  });

  it("limits one network across many emails", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 20; i++) {
      expect(
        (
          await api("/api/auth/magic-link", {
            method: "POST",
            json: { email: uniqueEmail(`ip${i}`) },
            ip,
          })
        ).status,
      ).toBe(202);
    }
    const email = uniqueEmail("ip-over");
    const res = await api("/api/auth/magic-link", { method: "POST", json: { email }, ip });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await mailbox(email)).toHaveLength(0);
  });
});
