import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  cookieFrom,
  errorOf,
  mailbox,
  requestLink,
  signIn,
  uniqueEmail,
  uniqueIp,
} from "./helpers.ts";

describe("magic-link sign-in", () => {
  it("signs a new person in: link in the mailbox, session cookie, /api/me, onboarding", async () => {
    const email = uniqueEmail("new");
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email: email.toUpperCase() },
    });
    expect(res.status).toBe(202);

    const [message] = await mailbox(email);
    expect(message?.to).toBe(email);
    expect(message?.subject).toMatch(/sign-in link/i);
    const link = new URL(message?.link ?? "");
    expect(link.origin).toBe("http://localhost:8787");
    expect(link.pathname).toBe("/api/auth/magic-link/verify");

    const verify = await api(link.pathname + link.search);
    expect(verify.status).toBe(302);
    expect(verify.headers.get("location")).toBe("http://localhost:8787/onboarding");
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

  it("stores only a hash of the token and of the session", async () => {
    const email = uniqueEmail("hash");
    const link = new URL(await requestLink(email));
    const token = link.searchParams.get("token") ?? "";
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
    const link = new URL(await requestLink(email));
    const res = await api(link.pathname + link.search);
    expect(res.headers.get("location")).toBe("http://localhost:8787/dashboard");
  });

  it("refuses a link used twice", async () => {
    const link = new URL(await requestLink(uniqueEmail("twice")));
    expect((await api(link.pathname + link.search)).status).toBe(302);
    const again = await api(link.pathname + link.search);
    expect(again.headers.get("location")).toBe("http://localhost:8787/sign-in?error=link_used");
    expect(cookieFrom(again, "iw_session")).toBeUndefined();
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail("expired");
    const link = new URL(await requestLink(email));
    await env.DB.prepare("UPDATE login_tokens SET expires_at = ? WHERE email = ?")
      .bind(Date.now() - 1, email)
      .run();
    const res = await api(link.pathname + link.search);
    expect(res.headers.get("location")).toBe("http://localhost:8787/sign-in?error=link_expired");
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
    const users = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(users?.n).toBe(0);
  });

  it("refuses a tampered link", async () => {
    const link = new URL(await requestLink(uniqueEmail("tampered")));
    const token = link.searchParams.get("token") ?? "";
    link.searchParams.set("token", `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`);
    const res = await api(link.pathname + link.search);
    expect(res.headers.get("location")).toBe("http://localhost:8787/sign-in?error=link_invalid");
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
  });

  it("answers a missing token with 400 in the error shape", async () => {
    const res = await api("/api/auth/magic-link/verify");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).fields).toHaveProperty("token");
  });

  it("lets only one of two concurrent clicks on the same link sign in", async () => {
    const link = new URL(await requestLink(uniqueEmail("race")));
    const results = await Promise.all([
      api(link.pathname + link.search),
      api(link.pathname + link.search),
    ]);
    const signedIn = results.filter((r) => cookieFrom(r, "iw_session"));
    expect(signedIn).toHaveLength(1);
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
