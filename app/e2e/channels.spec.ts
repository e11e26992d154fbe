import { expect, test } from "@playwright/test";
import type { ResponseBody } from "../../edge/contract/endpoints.ts";
import { hydrated, screenshots, signUpAndHireAda } from "./helpers.ts";

// Issue 17 in the dashboard, as `npm run dev` serves it (edge, agent, the one-second test
// employee): an owner opens Ada's Channels tab and finds her email address connected; the
// "anyone may write" choice warns before it is saved; a stranger emails Ada through wrangler's
// local email handler on the one URL, and the request appears live in the tab (and on the tab's
// badge) without a reload; the owner allows it, and the conversation shows in the chat marked
// Email, read-only. Pause and resume round-trip through the edge.
// It needs, on the stack: the channel API (GET/PUT /api/employees/:id/channels, pairing
// requests: package A), the Worker's email() handler and the dev proxy's /cdn-cgi/handler/email
// with EMPLOYEE_MAIL_DOMAIN and EMAIL_TRUSTED_AUTHSERV_ID from dev.ts (package D), and the inbox's
// intake, screening and the channel.pairing frame (package C). Each step says what it waited for,
// so a missing piece fails there, in words. The test employee does not answer chats, so no reply
// is expected here (the real image's e2e checks replies: infra/tests/channels-e2e.test.ts).

type Channels = ResponseBody<"GET /api/employees/:id/channels">;
/** dev.ts's trusted authserv-id: a message carrying its dmarc=pass comes from a verified sender. */
const AUTHSERV_ID = "mx.cloudflare.net";

/** A plain-text email from a stranger, verified (DMARC pass) but not a member of the team. */
function strangerMail(from: string, to: string, text: string) {
  const domain = from.split("@")[1];
  return [
    `From: Sam Stranger <${from}>`,
    `To: <${to}>`,
    "Subject: Price list",
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@${domain}>`,
    `Date: ${new Date().toUTCString()}`,
    `Authentication-Results: ${AUTHSERV_ID}; dmarc=pass header.from=${domain}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    "",
  ].join("\r\n");
}

test("an owner sees Ada's channels, is warned about 'anyone', and allows a stranger's email live", async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  const owner = `channels-${Date.now()}@example.com`;
  const stranger = `sam-${Date.now()}@stranger.example`;

  // Sign up and hire Ada, as the first journey does.
  await signUpAndHireAda(page, request, owner);
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/);
  await hydrated(page);
  const employeeId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await expect(page.locator(".row .badge"), "Ada never started working").toHaveAttribute(
    "data-status",
    "running",
  );

  // The edge must have the channel API for anything below.
  const listed = await page.evaluate(async (id) => {
    const res = await fetch(`/api/employees/${id}/channels`);
    return { status: res.status, body: (await res.json()) as Channels };
  }, employeeId);
  expect(listed.status, "GET /api/employees/:id/channels is not served by this edge yet").toBe(200);
  const address = listed.body.channels.find((c) => c.kind === "email")?.address ?? "";
  expect(address, "the email channel is not listed with its address").toMatch(/^[a-z0-9-]+@/);

  // The tab: a card per kind, email first, connected, with the address the API listed.
  await page.getByRole("tab", { name: /^Channels/ }).click();
  const panel = page.getByTestId("channels");
  await expect(panel.getByRole("heading", { name: "Channels", level: 2 })).toBeVisible();
  const email = panel.locator('article[data-channel="email"]');
  await expect(email).toContainText(address);
  await expect(email.getByTestId("channel-status")).toHaveText("Connected");
  await expect(panel.locator("article[data-channel]")).toHaveCount(4);
  await expect(
    panel.locator('article[data-channel="telegram"]').getByTestId("channel-status"),
  ).toHaveText("Not connected");
  await expect(panel.getByTestId("pairing")).toContainText("Nobody is waiting.");
  await screenshots(page, "channels");

  // "Anyone may write" says what it costs as soon as it is chosen; choosing back takes it away.
  await email.getByText("Settings", { exact: true }).click();
  await email.getByLabel("Anyone", { exact: true }).check();
  await expect(email.getByTestId("channel-anyone-warning")).toContainText(
    "spend your team's AI budget",
  );
  await screenshots(page, "channels-anyone-warning");
  await email.getByLabel(/^Members of the team only/).check();
  await expect(email.getByTestId("channel-anyone-warning")).toHaveCount(0);

  // Pause and resume round-trip through the edge.
  await email.getByRole("button", { name: "Pause" }).click();
  await expect(email.getByTestId("channel-status"), "pausing the email channel").toHaveText(
    "Paused",
  );
  await email.getByRole("button", { name: "Resume" }).click();
  await expect(email.getByTestId("channel-status"), "resuming the email channel").toHaveText(
    "Connected",
  );

  // A stranger writes: the request appears in the open tab, live, and on the tab's badge.
  const sent = await request.post(
    `/cdn-cgi/handler/email?from=${encodeURIComponent(stranger)}&to=${encodeURIComponent(address)}`,
    { data: strangerMail(stranger, address, "Hello Ada, could you send me your price list?") },
  );
  expect(sent.ok(), `the local email handler refused the mail (${sent.status()})`).toBe(true);
  const item = panel.locator("li.pairing-item", { hasText: "Sam Stranger on Email" });
  await expect(item, "no pairing request arrived live (channel.pairing frame)").toBeVisible({
    timeout: 30_000,
  });
  await expect(item).toContainText("could you send me your price list?");
  await expect(page.getByTestId("pairing-count")).toHaveText("1");
  await screenshots(page, "channels-pairing");

  // Allowed: it leaves the list and the badge, and its message reaches the chat, marked Email
  // and read-only (it is answered by email, not from here).
  await item.getByRole("button", { name: "Allow Sam Stranger" }).click();
  await expect(item, "the allow was refused (the row says why)").toHaveCount(0, {
    timeout: 15_000,
  });
  await expect(page.getByTestId("pairing-count")).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  const chat = page.getByRole("tabpanel");
  const conversation = chat.locator(".chat-conversation", { hasText: "Email" });
  await expect(conversation, "the allowed email did not become a conversation").toBeVisible({
    timeout: 30_000,
  });
  await conversation.click();
  await expect(chat.getByTestId("chat-read-only")).toContainText(
    "Replies go through Email, not from here.",
  );
  await expect(chat.getByRole("textbox", { name: "Message to Ada" })).toBeHidden();
  await expect(chat).toContainText("could you send me your price list?");
  await screenshots(page, "channels-conversation");
});
