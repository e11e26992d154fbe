import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyringFromConfig } from "../../channels/channel-keyring.ts";
import { channelKeyring, openCredential, sealCredential } from "../../channels/channel-secrets.ts";
import {
  channelWebhookBase,
  type Env,
  employeeMailDomain,
  parseConfig,
  slackApp,
} from "../../env.ts";

// The channels' configuration (issue 17): the Slack app is all three settings or none, the
// webhook base is https in production, the mail domain has a development default only, and the
// previous channel keys still open what they sealed.

const base = { APP_URL: "https://app.example.com", RESEND_API_KEY: "re_x" } as unknown as Env;
const parse = (over: Partial<Record<keyof Env, string>>) =>
  parseConfig({ ...base, ...over } as Env);
const key = () => randomBytes(32).toString("base64");

describe("channel configuration", () => {
  it("takes Slack's app whole or not at all", () => {
    expect(slackApp(parse({}))).toBeNull();
    const full = { SLACK_CLIENT_ID: "1.2", SLACK_CLIENT_SECRET: "s", SLACK_SIGNING_SECRET: "g" };
    expect(slackApp(parse(full))).toEqual({
      clientId: "1.2",
      clientSecret: "s",
      signingSecret: "g",
    });
    expect(() => parse({ ...full, SLACK_SIGNING_SECRET: "" })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it("calls the webhooks on APP_URL unless told, and only on https in production", () => {
    expect(channelWebhookBase(parse({}))).toBe("https://app.example.com");
    expect(channelWebhookBase(parse({ CHANNEL_WEBHOOK_URL: "https://hooks.example.com/" }))).toBe(
      "https://hooks.example.com",
    );
    expect(() => parse({ CHANNEL_WEBHOOK_URL: "http://hooks.example.com" })).toThrow(
      /CHANNEL_WEBHOOK_URL/,
    );
    expect(() =>
      parse({ ENVIRONMENT: "development", CHANNEL_WEBHOOK_URL: "http://tunnel.localhost" }),
    ).not.toThrow();
  });

  it("has a mail domain in development by default, and in production only when set", () => {
    expect(employeeMailDomain(parse({ ENVIRONMENT: "development" }))).toBe("employees.localhost");
    expect(employeeMailDomain(parse({}))).toBeNull();
    expect(employeeMailDomain(parse({ EMPLOYEE_MAIL_DOMAIN: " Team.Example.com " }))).toBe(
      "team.example.com",
    );
    expect(() => parse({ EMPLOYEE_MAIL_DOMAIN: "not a domain" })).toThrow(/EMPLOYEE_MAIL_DOMAIN/);
  });

  it("opens with a previous key what it sealed, and refuses a malformed one", async () => {
    const old = key();
    const sealed = await sealCredential(await channelKeyring(old), "emp-1", { token: "t" });
    const rotated = parse({
      CHANNEL_SECRETS_KEY: key(),
      CHANNEL_SECRETS_PREVIOUS_KEYS: ` ${old} `,
    });
    const keyring = await keyringFromConfig(rotated);
    if (!keyring) throw new Error("no keyring");
    expect(await openCredential(keyring, "emp-1", sealed)).toEqual({ token: "t" });
    // Memoised: the same keys give the same keyring.
    expect(await keyringFromConfig(rotated)).toBe(keyring);
    expect(keyringFromConfig(parse({}))).toBeNull();
    expect(() => parse({ CHANNEL_SECRETS_PREVIOUS_KEYS: "short" })).toThrow(
      /CHANNEL_SECRETS_PREVIOUS_KEYS/,
    );
  });
});
