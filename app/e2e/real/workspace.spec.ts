import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { hydrated, newestMail, screenshots } from "../helpers.ts";

// What a new customer gets, on the real employee image: sign up, the wizard, the launch
// checklist, a message in the workspace's own chat answered by the development model through the
// employee's own OpenClaw, a reload that keeps it, the employee's browser watched through our
// noVNC client, a settings change, both languages at 1280 and 375 px (each screenshot checked by
// axe: helpers.ts), and an upgrade through the local Checkout stand-in. No frame of the
// workspace may ever show OpenClaw's console: the page holds no iframe at all.

// Screens of the product for the landing page, made from the app itself by this run.
const product = path.resolve(import.meta.dirname, "../../public/product");

async function productShot(page: Page, name: string) {
  mkdirSync(product, { recursive: true });
  // The development server's own toolbar is not part of the product.
  await page.addStyleTag({ content: "[data-start-dev-toolbar] { display: none !important; }" });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(product, `${name}.jpg`), type: "jpeg", quality: 80 });
}

// Signed in, the language switch is in the account menu.
async function switchLanguage(page: Page, code: "DE" | "EN") {
  await page.getByTestId("account-menu").locator("summary").click();
  await page.getByTestId("account-menu").getByRole("link", { name: code, exact: true }).click();
}

async function noConsole(page: Page) {
  await expect(page.locator("iframe")).toHaveCount(0);
  await expect(page.getByText("Join us on Discord")).toHaveCount(0);
}

test("a new customer hires an employee and works with it in the workspace", async ({
  page,
  request,
}) => {
  const email = `real-${Date.now()}@example.com`;
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const link = (await newestMail(request, email)).link ?? "";
  await page.goto(link);
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await hydrated(page);

  // The wizard: a choice on every step.
  await page.getByRole("radio", { name: /Researcher/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Name").fill("Ada");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  const launched = Date.now();
  await page.getByRole("button", { name: "Launch Ada" }).click();

  // The launch checklist: the real steps, each with its time, and what they usually take.
  const checklist = page.getByTestId("launch");
  await expect(checklist.locator("[data-step]").first()).toBeVisible();
  await expect(checklist).toContainText("usually about");
  await screenshots(page, "real-launch");
  // The workspace opens by itself once the employee runs.
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/, { timeout: 300_000 });
  console.log(`launch → workspace opened by itself: ${Date.now() - launched} ms`);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ada");
  await noConsole(page);

  // Our own chat: a message, answered by the development model inside the app, streaming in.
  const composer = page.getByRole("textbox", { name: "Message to Ada" });
  await expect(composer).toBeVisible();
  const word = `journey-${Math.random().toString(36).slice(2, 8)}`;
  const sent = Date.now();
  await composer.fill(`Hello Ada, ${word}`);
  await composer.press("Enter");
  const log = page.getByRole("log");
  await expect(log.locator(".chat-person")).toContainText(word);
  const answer = log.locator(".chat-employee").last();
  await expect(answer).toHaveAttribute("data-status", "done", { timeout: 180_000 });
  await expect(answer).toContainText(`You said: Hello Ada, ${word}`);
  console.log(`first message → answer done in the app: ${Date.now() - sent} ms`);
  await noConsole(page);
  await screenshots(page, "real-workspace-chat");
  await productShot(page, "workspace-chat");

  // A reload keeps the conversation: it lives at the edge, not in the page or the container.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("log").locator(".chat-employee").last()).toContainText(
    `You said: Hello Ada, ${word}`,
  );

  // The browser: our own noVNC client, watching only until the customer takes control.
  await page.getByRole("tab", { name: "Browser" }).click();
  const view = page.getByRole("region", { name: "The employee's browser" });
  await expect(view).toHaveAttribute("data-state", "connected", { timeout: 120_000 });
  await expect(view.locator("canvas")).toBeVisible();
  const take = view.getByRole("button", { name: "Take control" });
  await expect(take).toHaveAttribute("aria-pressed", "false");
  await expect(view).toContainText("You are watching");
  await noConsole(page);
  await screenshots(page, "real-workspace-browser");
  await productShot(page, "workspace-browser");
  await take.click();
  await expect(view.getByRole("button", { name: "Give back control" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await view.getByRole("button", { name: "Give back control" }).click();

  // A settings change.
  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ada Lovelace");

  // German, on the loaded page, at both widths.
  await page.getByRole("tab", { name: "Chat" }).click();
  await switchLanguage(page, "DE");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await hydrated(page);
  await expect(page.getByRole("textbox", { name: "Nachricht an Ada Lovelace" })).toBeVisible();
  await noConsole(page);
  await screenshots(page, "real-workspace-chat-de");

  await page.goto("/dashboard");
  await hydrated(page);
  await expect(page.locator("[data-employee]").getByRole("status")).toHaveAttribute(
    "data-status",
    "running",
  );
  await screenshots(page, "real-dashboard-de");
  await switchLanguage(page, "EN");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await hydrated(page);
  await productShot(page, "dashboard");

  // An upgrade through the local stand-in of Stripe Checkout, which sends the signed webhooks.
  await page.goto("/account");
  await hydrated(page);
  await expect(page.getByTestId("plan")).toHaveText("Trial");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await expect(page).toHaveURL(/\/stripe\/checkout\/cs_test_/);
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(/\/account\?checkout=success/);
  await hydrated(page);
  await expect(page.getByTestId("plan")).toHaveText("Pro");
  await expect(page.locator("header [data-testid=usage]").first()).toContainText("Employees 1/3");
  await screenshots(page, "real-account-pro");
});
