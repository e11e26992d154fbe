import { type Context, Hono } from "hono";
import { avatarPng } from "../channels/avatar-png.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import {
  receiveTelegram,
  receiveWhatsApp,
  type WebhookAnswer,
  whatsAppHandshake,
} from "../services/channel-inbound.ts";
import { receiveSlack } from "../services/slack-routing.ts";

// The providers' side of the channels (/channels/…): called by Telegram, Slack and Meta, not by
// a browser, so outside /api: no session, no CSRF. Each request is verified by the channel's
// secret or the product's signing secret (services/channel-inbound.ts) before anything is
// stored. The Slack OAuth callback is mounted on its own (routes/slack-oauth-routes.ts).
export const channelWebhookRoutes = new Hono<AppEnv>();

const send = (c: Context<AppEnv>, answer: WebhookAnswer) =>
  answer.type === "text"
    ? c.text(answer.body, 200, { "cache-control": "no-store" })
    : c.json(answer.body, 200);

channelWebhookRoutes.post("/telegram/:channelId", async (c) =>
  send(c, await receiveTelegram(c.var.deps, c.req.param("channelId"), c.req.raw)),
);

channelWebhookRoutes.get("/whatsapp/:channelId", async (c) =>
  send(c, await whatsAppHandshake(c.var.deps, c.req.param("channelId"), new URL(c.req.url))),
);

channelWebhookRoutes.post("/whatsapp/:channelId", async (c) =>
  send(c, await receiveWhatsApp(c.var.deps, c.req.param("channelId"), c.req.raw)),
);

channelWebhookRoutes.post("/slack/events", async (c) =>
  send(c, await receiveSlack(c.var.deps, c.req.raw)),
);

// Slack's icon_url for an employee's messages: drawn from the id alone (nothing is looked up,
// so it says nothing about whether the employee exists), the same forever.
const AVATAR_FILE = /^([A-Za-z0-9-]{1,64})\.png$/;
channelWebhookRoutes.get("/avatar/:file", async (c) => {
  const id = AVATAR_FILE.exec(c.req.param("file"))?.[1];
  if (!id) throw new ApiError(404, "not_found", "No such avatar.");
  return c.body(await avatarPng(id), 200, {
    "content-type": "image/png",
    "cache-control": "public, max-age=31536000, immutable",
  });
});
