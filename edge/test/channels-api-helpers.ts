import { env } from "cloudflare:workers";
import { expect } from "vitest";
import * as z from "zod/mini";
import type { ChannelRow } from "../../db/schema.ts";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import { ChannelView } from "../contract/channels.ts";
import { getEmployeeChannel } from "../store/channels.ts";
import { config, randomToken, standIn } from "./channels-test-helpers.ts";
import { api } from "./helpers.ts";
import type { Person } from "./team-fixture.ts";

// Shared by channels-api.test.ts and channels-connect.test.ts: the API's answers, a bot on the
// Telegram stand-in and its recorded calls, the stored row, the keyring.

export const OneChannel = z.object({ channel: ChannelView, authorizeUrl: z.optional(z.string()) });
export const Channels = z.object({ channels: z.array(ChannelView) });
export const url = (id: string, kind = "", rest = "") =>
  `/api/employees/${id}/channels${kind ? `/${kind}` : ""}${rest}`;

export const put = (who: Person, id: string, kind: string, json: unknown) =>
  api(url(id, kind), { method: "PUT", cookie: who.cookie, json });

export async function listOf(who: Person, id: string) {
  const res = await api(url(id), { cookie: who.cookie });
  expect(res.status).toBe(200);
  return z.parse(Channels, await res.json()).channels;
}

export async function newBot(username = `bot_${randomToken(6)}`) {
  const token = `${Math.floor(1e8 + Math.random() * 9e8)}:${randomToken(35)}`;
  await standIn("/telegram/_test/bots", { token, username });
  return { token, username };
}
export interface Recorded {
  method: string;
  params: Record<string, unknown>;
}
export const telegramCalls = async (token: string) =>
  (await standIn<{ requests: Recorded[] }>(`/telegram/_test/requests?token=${token}`)).requests;

export async function row(id: string, kind: ChannelRow["kind"]) {
  return getEmployeeChannel(env.DB, id, kind);
}

export const keyring = async () => {
  const k = await keyringFromConfig(config());
  if (!k) throw new Error("the tests configure CHANNEL_SECRETS_KEY");
  return k;
};
