import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, cookieFrom, signIn, uniqueEmail } from "./helpers.ts";

interface Identity {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
}

// Plays the browser: start at the edge, "choose" an identity at the stand-in's consent screen,
// follow the redirect back to the edge's callback with the flow's cookies.
async function googleFlow(identity: Identity, tamper?: (callback: URL) => void) {
  const start = await api("/api/auth/google");
  expect(start.status).toBe(302);
  const state = cookieFrom(start, "iw_google_state");
  const verifier = cookieFrom(start, "iw_google_verifier");
  expect(state && verifier).toBeTruthy();
  expect(start.headers.getSetCookie().join("\n")).toMatch(/iw_google_state=.*HttpOnly/);

  const authorize = new URL(start.headers.get("location") ?? "");
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("redirect_uri")).toBe(
    "http://localhost:8787/api/auth/google/callback",
  );
  // PKCE: the verifier stays in the browser's cookie, only its hash travels.
  expect(authorize.href).not.toContain(verifier?.split("=")[1] ?? "");

  const chosen = await fetch(`${env.STAND_IN_URL}/google/_test/accounts`, {
    method: "POST",
    body: JSON.stringify(identity),
  });
  const { login_hint } = (await chosen.json()) as { login_hint: string };
  authorize.searchParams.set("login_hint", login_hint);
  const consent = await fetch(authorize, { redirect: "manual" });
  expect(consent.status).toBe(302);
  const callback = new URL(consent.headers.get("location") ?? "");
  tamper?.(callback);
  return api(callback.pathname + callback.search, { cookie: `${state}; ${verifier}` });
}

const userByEmail = (email: string) =>
  env.DB.prepare("SELECT id, name FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; name: string | null }>();

describe("Google sign-in", () => {
  it("creates an account for a new verified Google identity and signs it in", async () => {
    const email = uniqueEmail("g-new");
    const res = await googleFlow({
      sub: crypto.randomUUID(),
      email,
      email_verified: true,
      name: "Gerda Google",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://localhost:8787/onboarding");
    const me = await api("/api/me", { cookie: cookieFrom(res, "iw_session") });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email, name: "Gerda Google" } });
    // The flow's cookies are spent.
    expect(res.headers.getSetCookie().join("\n")).toMatch(/iw_google_state=;/);
  });

  it("links to the existing account with the same email instead of creating another", async () => {
    const email = uniqueEmail("g-link");
    await signIn(email);
    const before = await userByEmail(email);
    const sub = crypto.randomUUID();
    const res = await googleFlow({ sub, email, email_verified: true, name: "Linked" });
    expect(res.headers.get("location")).toBe("http://localhost:8787/dashboard");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
    const link = await env.DB.prepare(
      "SELECT user_id FROM oauth_accounts WHERE provider = 'google' AND provider_user_id = ?",
    )
      .bind(sub)
      .first<{ user_id: string }>();
    expect(link?.user_id).toBe(before?.id);

    // Later the same Google subject signs in even after changing its email at Google.
    const again = await googleFlow({ sub, email: uniqueEmail("g-renamed"), email_verified: true });
    const me = await api("/api/me", { cookie: cookieFrom(again, "iw_session") });
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe(before?.id);
  });

  it("rejects a state mismatch without calling Google's token endpoint or signing in", async () => {
    const email = uniqueEmail("g-state");
    const res = await googleFlow({ sub: crypto.randomUUID(), email, email_verified: true }, (cb) =>
      cb.searchParams.set("state", "attacker-state"),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(
      "http://localhost:8787/sign-in?error=google_state_mismatch",
    );
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
    expect(await userByEmail(email)).toBeNull();
  });

  it("rejects a callback without the flow's cookies", async () => {
    const res = await api("/api/auth/google/callback?code=4/abc&state=xyz");
    expect(res.headers.get("location")).toBe(
      "http://localhost:8787/sign-in?error=google_state_mismatch",
    );
  });

  it("fails cleanly when the code was tampered with (the token endpoint refuses it)", async () => {
    const res = await googleFlow(
      { sub: crypto.randomUUID(), email: uniqueEmail("g-code"), email_verified: true },
      (cb) => cb.searchParams.set("code", "4/forged"),
    );
    expect(res.headers.get("location")).toBe("http://localhost:8787/sign-in?error=google_failed");
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
  });

  it("does not link an unverified Google email to an existing account", async () => {
    const email = uniqueEmail("g-unverified");
    await signIn(email);
    const res = await googleFlow({ sub: crypto.randomUUID(), email, email_verified: false });
    expect(res.headers.get("location")).toBe(
      "http://localhost:8787/sign-in?error=google_email_unverified",
    );
    expect(cookieFrom(res, "iw_session")).toBeUndefined();
  });

  it("reports a consent screen the person cancelled", async () => {
    const res = await api("/api/auth/google/callback?error=access_denied&state=x");
    expect(res.headers.get("location")).toBe("http://localhost:8787/sign-in?error=google_denied");
  });

  it("returns into the app on its own origin whatever return address the callback carries", async () => {
    const payloads = [
      "//evil.example",
      "/\\evil.example",
      "%2F%2Fevil.example",
      "https:evil.example",
      "https://evil.example/",
      "/\t/evil.example",
      "/.//evil.example",
    ];
    const names = ["next", "return_to", "redirect", "redirect_uri", "continue", "url", "back"];
    for (const payload of payloads) {
      const extra = (cb: URL) => {
        for (const name of names) cb.searchParams.set(name, payload);
      };
      const ok = await googleFlow(
        { sub: crypto.randomUUID(), email: uniqueEmail("g-redirect"), email_verified: true },
        extra,
      );
      expect([payload, ok.headers.get("location")]).toEqual([
        payload,
        "http://localhost:8787/onboarding",
      ]);
      const refused = await googleFlow(
        { sub: crypto.randomUUID(), email: uniqueEmail("g-redirect"), email_verified: true },
        (cb) => {
          extra(cb);
          cb.searchParams.set("state", "attacker-state");
        },
      );
      expect(refused.headers.get("location")).toBe(
        "http://localhost:8787/sign-in?error=google_state_mismatch",
      );
    }
    // A request that reached us under another Host name still returns to the configured app.
    const denied = await exports.default.fetch(
      new Request("http://evil.example/api/auth/google/callback?error=access_denied&next=//x", {
        redirect: "manual",
      }),
    );
    expect(denied.headers.get("location")).toBe(
      "http://localhost:8787/sign-in?error=google_denied",
    );
  });

  it("answers 503 google_not_configured when no client id is set", async () => {
    const res = await api("/api/auth/google", {
      envOverride: { GOOGLE_CLIENT_ID: "", GOOGLE_CLIENT_SECRET: "" },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "google_not_configured",
    );
  });
});
