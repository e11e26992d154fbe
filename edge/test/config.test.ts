import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../env.ts";
import {
  api,
  confirmSignIn,
  cookieFrom,
  errorOf,
  mailbox,
  requestLink,
  uniqueEmail,
} from "./helpers.ts";

// The tests' env points Stripe at the stand-in, which production refuses (see below).
const production = {
  ENVIRONMENT: "production",
  RESEND_API_KEY: "re_stand_in_key",
  STRIPE_API_URL: undefined,
};

describe("configuration", () => {
  it("names a missing secret when parsing the env", () => {
    expect(() =>
      parseConfig({ ...env, ENVIRONMENT: "production", RESEND_API_KEY: undefined }),
    ).toThrowError(ConfigError);
    try {
      parseConfig({
        ...env,
        ENVIRONMENT: "production",
        RESEND_API_KEY: undefined,
        APP_URL: "not a url",
      });
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toMatch(/RESEND_API_KEY is required/);
      expect((err as ConfigError).problems.join("\n")).toMatch(/APP_URL/);
    }
  });

  it("refuses a Stripe stand-in (STRIPE_API_URL) in production", () => {
    expect(env.STRIPE_API_URL).toBeTruthy();
    expect(() =>
      parseConfig({ ...env, ...production, STRIPE_API_URL: env.STRIPE_API_URL }),
    ).toThrowError(/STRIPE_API_URL is only for development/);
    expect(() => parseConfig({ ...env, ...production })).not.toThrow();
    expect(() => parseConfig({ ...env, ENVIRONMENT: "development" })).not.toThrow();
  });

  it("answers every request of a misconfigured Worker with 500 server_misconfigured naming the variable", async () => {
    const res = await api("/api/health", {
      envOverride: { ...production, RESEND_API_KEY: undefined },
    });
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error.code).toBe("server_misconfigured");
    expect(error.message).toContain("RESEND_API_KEY");
  });

  it("hides the dev mailbox outside development", async () => {
    const email = uniqueEmail("prod-mailbox");
    await requestLink(email);
    expect(await mailbox(email)).toHaveLength(1);
    const res = await api(`/api/dev/mailbox?email=${email}`, { envOverride: production });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
  });

  it("sends sign-in links through the email provider in production, with Secure __Host- session cookies", async () => {
    const email = uniqueEmail("prod");
    const envOverride = { ...production, EMAIL_API_URL: `${env.STAND_IN_URL}/resend/` };
    const res = await api("/api/auth/magic-link", { method: "POST", json: { email }, envOverride });
    expect(res.status).toBe(202);
    // Nothing in the dev mailbox: the provider got it.
    expect(await mailbox(email)).toHaveLength(0);
    const sent = await fetch(
      `${env.STAND_IN_URL}/resend/_test/sent?to=${encodeURIComponent(email)}`,
    );
    const { emails } = (await sent.json()) as {
      emails: { subject: string; text: string; from: string }[];
    };
    expect(emails).toHaveLength(1);
    expect(emails[0]?.from).toBe("InstantWorker <hello@instantworker.example>");
    const link = new URL(/https?:\/\/\S+/.exec(emails[0]?.text ?? "")?.[0] ?? "");

    expect(link.pathname).toBe("/sign-in/confirm");
    const verify = await confirmSignIn(link.searchParams.get("token") ?? "", { envOverride });
    expect(verify.status).toBe(303);
    const setCookie = verify.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/__Host-iw_session=/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/HttpOnly/);
    const cookie = cookieFrom(verify, "__Host-iw_session");
    expect((await api("/api/me", { cookie, envOverride })).status).toBe(200);
  });

  it("answers 503 email_unavailable when the provider refuses the key", async () => {
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email: uniqueEmail("bad-key") },
      envOverride: {
        ...production,
        RESEND_API_KEY: "re_wrong",
        EMAIL_API_URL: `${env.STAND_IN_URL}/resend/`,
      },
    });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("email_unavailable");
  });
});
