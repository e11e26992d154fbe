import { expect, test } from "@playwright/test";
import type { ResponseBody } from "../../edge/contract/endpoints.ts";
import { hydrated, screenshots } from "./helpers.ts";

type Mailbox = ResponseBody<"GET /api/dev/mailbox">;

test("signed out, /dashboard and /onboarding redirect to sign-in on the server", async ({
  request,
}) => {
  for (const p of ["/dashboard", "/onboarding", "/account"]) {
    const res = await request.get(p, { maxRedirects: 0 });
    expect(res.status(), p).toBe(302);
    expect(res.headers().location).toMatch(/\/sign-in$/);
  }
});

test("the landing page reads without JavaScript, in English and German, and the switch persists", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Hire AI employees that get work done",
  );
  await expect(page.locator("[data-plan=starter]")).toContainText("Starter");
  await expect(page.locator("[data-plan=trial]")).toContainText("3 chat sessions included");
  await expect(
    page.locator("[data-plan=pro]").getByRole("link", { name: "Choose Pro" }),
  ).toBeVisible();
  await expect(page.getByRole("heading", { name: "Executive assistant" })).toBeVisible();
  await screenshots(page, "landing");
  await page.getByRole("link", { name: "DE", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "KI-Mitarbeiter einstellen, die Arbeit erledigen",
  );
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Anmelden");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await context.close();
});

test("on a page that has loaded, the language switch changes the language and stays on the page; the site has a favicon", async ({
  browser,
  request,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/sign-in");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await page.getByRole("link", { name: "DE", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Anmelden");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await hydrated(page);
  await page.getByRole("link", { name: "EN", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await context.close();
  const icon = await request.get("/favicon.svg");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
});

test("the emailed link shows whose account it opens, without JavaScript, in English and German; only the button signs in", async ({
  browser,
  request,
}) => {
  const linkFor = async (email: string) => {
    const sent = await request.post("/api/auth/magic-link", { data: { email } });
    expect(sent.status()).toBe(202);
    const box = (await (
      await request.get(`/api/dev/mailbox?email=${encodeURIComponent(email)}`)
    ).json()) as Mailbox;
    return box.messages[0]?.link ?? "";
  };
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = `ui-confirm-${Date.now()}@example.com`;
  const link = await linkFor(email);
  expect(new URL(link).pathname).toBe("/sign-in/confirm");

  // Opening it, as often as a mail scanner likes, signs no one in and spends nothing.
  for (let i = 0; i < 3; i++) {
    const res = await page.goto(link);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["x-frame-options"]).toBe("DENY");
    expect(res?.headers()["cache-control"]).toContain("no-store");
    expect(res?.headers()["referrer-policy"]).toBe("same-origin");
  }
  expect(await context.cookies()).toEqual([]);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm sign-in");
  await expect(
    page.getByText(`This link signs you in to InstantWorker as ${email}.`),
  ).toBeVisible();

  // German, then the button: a plain form POST signs in.
  await page.getByRole("link", { name: "DE", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Anmeldung bestätigen");
  await page.getByRole("button", { name: `Als ${email} anmelden` }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  expect((await context.cookies()).map((c) => c.name)).toContain("iw_session");

  // The same link again: spent, so the sign-in page says so.
  await page.goto(link);
  await expect(page).toHaveURL(/\/sign-in\?error=link_used$/);
  await expect(page.getByRole("alert")).toHaveText(
    "Dieser Anmeldelink wurde bereits verwendet. Fordern Sie einen neuen an.",
  );
  await page.goto("/sign-in/confirm?token=forged");
  await expect(page).toHaveURL(/\/sign-in\?error=link_invalid$/);
  await context.close();
});

test("sign up, onboard (with a reload), hire, watch it run live, restart, fire", async ({
  page,
  request,
}) => {
  const email = `ui-${Date.now()}@example.com`;
  await page.goto("/sign-in");
  await hydrated(page);
  await screenshots(page, "sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const box = (await (
    await request.get(`/api/dev/mailbox?email=${encodeURIComponent(email)}`)
  ).json()) as Mailbox;
  // The emailed link asks first; only the button signs in.
  await page.goto(box.messages[0]?.link ?? "");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm sign-in");
  await screenshots(page, "sign-in-confirm");
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await hydrated(page);

  await expect(page.getByText("Step 1 of 4")).toBeVisible();
  await page.getByRole("radio", { name: /Researcher/ }).check();
  await screenshots(page, "onboarding");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Name").fill("Ada");
  // A reload in the middle resumes where the customer was.
  await page.reload();
  await hydrated(page);
  await expect(page.getByText("Step 2 of 4")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveValue("Ada");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  const started = Date.now();
  await page.getByRole("button", { name: "Launch Ada" }).click();
  // The launch, step by step (the checklist), then the workspace opens by itself.
  const progress = page.getByTestId("launch-progress");
  const badge = progress.locator("[role=status][data-status]");
  await expect(badge).toHaveAttribute("data-status", "provisioning");
  await expect(progress.getByTestId("launch").locator("[data-step]").first()).toBeVisible();
  await expect(badge).toHaveAttribute("data-status", "running");
  console.log(`launch → running shown live: ${Date.now() - started} ms`);
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ada");
  await hydrated(page);
  // The Chat tab is our own chat, never a frame of the engine's console: the composer to write to
  // the employee, and (the employee running) no notice about its state.
  const chat = page.getByRole("tabpanel");
  await expect(chat.getByRole("textbox", { name: "Message to Ada" })).toBeVisible();
  await expect(chat.getByRole("button", { name: "New conversation" })).toBeVisible();
  await expect(page.locator("iframe")).toHaveCount(0);
  await screenshots(page, "workspace");

  // The Browser tab is the app's own noVNC client, no iframe: its WebSocket goes to the employee's
  // vnc host through the access proxy. The test image runs no VNC server, so it says the browser
  // is starting (the real image is node-agent/test/browser-view.test.ts).
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await page.getByRole("tab", { name: "Browser" }).click();
  const view = page.getByRole("region", { name: "The employee's browser" });
  await expect(view.getByText("Starting the browser…")).toBeVisible();
  await expect(view.getByRole("button", { name: "Take control" })).toBeDisabled();
  expect(sockets.some((u) => /\.vnc\.localhost:\d+\/websockify$/.test(u))).toBe(true);
  await expect(page.locator("iframe")).toHaveCount(0);
  await screenshots(page, "workspace-browser");
  await page.getByRole("tab", { name: "Chat" }).click();

  const toDashboard = Date.now();
  await page.goto("/dashboard");
  const card = page.locator("[data-employee]");
  await expect(card.getByRole("status")).toHaveAttribute("data-status", "running");
  console.log(`navigation → dashboard showing live status: ${Date.now() - toDashboard} ms`);
  await expect(card).toContainText("AI this month: €0.00 · 0 tokens");
  await screenshots(page, "dashboard");

  // The plan holds one employee: the hire dialog offers an upgrade instead.
  await hydrated(page);
  await page.getByRole("button", { name: "Hire an employee" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("limit of employees is reached");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  await card.getByRole("link", { name: "Open" }).click();
  await hydrated(page);
  await page.getByRole("tab", { name: "Settings" }).click();
  // The engine's own console is for the owner and admins only, named for what it is.
  await expect(page.getByTestId("advanced-console")).toContainText("Advanced: OpenClaw console");
  await page.getByRole("button", { name: "Restart" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Restart" }).click();
  const status = page.locator("h1 + [role=status]");
  await expect(status).toHaveAttribute("data-status", "restarting");
  await expect(status).toHaveAttribute("data-status", "running");
  await page.getByRole("button", { name: "Fire" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Fire" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "No employees yet" })).toBeVisible();
  await screenshots(page, "dashboard-empty");

  // The account page: the trial, its chat sessions, the plans; the header says the same.
  await page.goto("/account");
  await hydrated(page);
  await expect(page.getByTestId("plan")).toHaveText("Trial");
  await expect(page.getByText(/days? left in your trial/)).toBeVisible();
  const usage = page.locator("header [data-testid=usage]").first();
  await expect(usage).toContainText(/\d+ days? left/);
  await expect(usage.getByTestId("chats-used")).toHaveText(/^Chats \d\/3$/);
  await expect(usage.getByTestId("employees-used")).toHaveText("Employees 0/1");
  await screenshots(page, "account");

  // Upgrade: `npm run dev` has no Stripe key here, so checkout is the Stripe stand-in's page,
  // whose Pay sends the signed webhooks to the edge before it sends the customer back.
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await expect(page).toHaveURL(/\/stripe\/checkout\/cs_test_/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Subscribe to Pro");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(/\/account\?checkout=success/);
  await hydrated(page);
  await expect(page.getByTestId("plan")).toHaveText("Pro");
  await expect(page.locator("header [data-testid=usage]").first()).toContainText("Employees 0/3");
  await expect(page.locator("header [data-testid=chats-used]")).toHaveCount(0);
});
