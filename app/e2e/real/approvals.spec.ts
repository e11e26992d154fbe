import { expect, test } from "@playwright/test";
import { hydrated, screenshots, signUpAndHireAda } from "../helpers.ts";

// Issue 18 on the real employee image: a new employee asks first. In its chat the development
// model makes OpenClaw's exec tool run a command; OpenClaw asks, the request reaches the team's
// inbox live (the header's badge counts it), the owner approves it once, and the employee goes on:
// its answer carries the command's output. The inbox is checked at 1280 and 375 px (nothing wider
// than the phone, axe: helpers.ts screenshots).
test("an employee asks before running a command, and the owner approves it from the inbox", async ({
  page,
  request,
}) => {
  const owner = `approver-${Date.now()}@example.com`;
  await signUpAndHireAda(page, request, owner);
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/, { timeout: 300_000 });
  await hydrated(page);
  const workspace = new URL(page.url()).pathname;

  const marker = `approved-by-playwright-${Math.random().toString(36).slice(2, 8)}`;
  const composer = page.getByRole("textbox", { name: "Message to Ada" });
  await composer.fill(`!tool exec {"command":"echo ${marker}"}`);
  await composer.press("Enter");

  // OpenClaw asks; the badge on every page counts the request, live, and says so in words.
  const link = page.getByTestId("approvals-link");
  await expect(page.getByTestId("approvals-count")).toHaveText("1", { timeout: 120_000 });
  await expect(link).toHaveAccessibleName(/Approvals.*1 request waiting/);
  await link.click();
  await expect(page).toHaveURL(/\/approvals$/);

  const card = page.locator("[data-approval]").filter({ hasText: marker });
  await expect(card).toHaveAttribute("data-status", "pending");
  await expect(card.getByRole("heading")).toHaveText("Ada wants to run a command");
  await expect(card.getByTestId("command")).toContainText(`echo ${marker}`);
  await expect(card.getByTestId("countdown")).toHaveText(/^in \d+:\d\d$/);
  const conversation = card.getByTestId("conversation-link");
  await expect(conversation).toHaveAttribute("href", new RegExp(`^${workspace}\\?conversation=`));
  await screenshots(page, "real-approvals");

  await card.getByRole("button", { name: "Approve once" }).click();
  await expect(card).toHaveAttribute("data-status", "allowed");
  await expect(card.getByTestId("outcome")).toHaveText(`Approved once by ${owner}.`);
  await expect(page.getByTestId("approvals-count")).toHaveCount(0);
  await expect(page.getByText("Nothing is waiting for you.")).toBeVisible();

  // The conversation that asked: OpenClaw ran the command and the employee answered with it.
  await card.getByTestId("conversation-link").click();
  await expect(page).toHaveURL(new RegExp(`^[^?]*${workspace}\\?conversation=`));
  await expect(page.getByRole("log")).toContainText(`tool exec returned: ${marker}`, {
    timeout: 120_000,
  });
});
