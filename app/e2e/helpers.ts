import path from "node:path";
import { type APIRequestContext, expect, type Page } from "@playwright/test";
import type { ResponseBody } from "../../edge/contract/endpoints.ts";
import { checkAccessibility } from "./axe.ts";

type Mailbox = ResponseBody<"GET /api/dev/mailbox">;

const shots = path.resolve(import.meta.dirname, "../../test-results/ui/screenshots");
export const widths = {
  desktop: { width: 1280, height: 860 },
  mobile: { width: 375, height: 780 },
} as const;

/**
 * Full-page screenshots at 1280 and 375 px into test-results/ui/screenshots/, each width checked
 * by axe-core (0 serious or critical violations) and for a header on one line.
 */
export async function screenshots(page: Page, name: string) {
  for (const [label, size] of Object.entries(widths)) {
    await page.setViewportSize(size);
    // Nothing may be wider than the window: a page that scrolls sideways at 375 px is broken.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(0);
    const header = await page.locator("header.top").boundingBox();
    expect(header?.height ?? 0, `${name} at ${size.width} px: the header wraps`).toBeLessThan(72);
    await checkAccessibility(page, `${name}-${label}`);
    await page.screenshot({ path: path.join(shots, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(widths.desktop);
}

// SolidStart hydrates after the HTML arrives; clicking before that would hit inert markup.
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated=true]").waitFor({ state: "attached" });
}

/** The newest mail the development mailer "sent" to an address, once one has arrived. */
export async function newestMail(request: APIRequestContext, email: string, after = 0) {
  let found: Mailbox["messages"][number] | undefined;
  await expect
    .poll(async () => {
      const res = await request.get(`/api/dev/mailbox?email=${encodeURIComponent(email)}`);
      const box = (await res.json()) as Mailbox;
      found = box.messages.length > after ? box.messages[0] : undefined;
      return found !== undefined;
    })
    .toBe(true);
  return found as Mailbox["messages"][number];
}

export async function mailCount(request: APIRequestContext, email: string) {
  const res = await request.get(`/api/dev/mailbox?email=${encodeURIComponent(email)}`);
  return ((await res.json()) as Mailbox).messages.length;
}

/** Follows an emailed sign-in link and confirms it as `email`. */
export async function signIn(page: Page, link: string, email: string) {
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm sign-in");
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
}

/** A new owner signs up and hires Ada, a Researcher, as the first journey does: the workspace
 * opens by itself once she runs (the caller waits for it). */
export async function signUpAndHireAda(page: Page, request: APIRequestContext, owner: string) {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email address").fill(owner);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await signIn(page, (await newestMail(request, owner)).link ?? "", owner);
  await expect(page).toHaveURL(/\/onboarding$/);
  await hydrated(page);
  await page.getByRole("radio", { name: /Researcher/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Name").fill("Ada");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Launch Ada" }).click();
}
