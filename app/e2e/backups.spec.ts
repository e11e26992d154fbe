import { expect, type Page, test } from "@playwright/test";
import type { ResponseBody } from "../../edge/contract/endpoints.ts";
import { hydrated, screenshots, signUpAndHireAda } from "./helpers.ts";

// Issue 16 in the dashboard: an owner backs Ada up by hand, sees the backup complete, restores
// it after reading what is lost, and sees Ada restoring and then working again, "Restored from"
// the backup's time, with the backup of just before the restore in the list. Everything runs as
// `npm run dev` serves it (edge, agent, the one-second test employee).
// Each wait is bounded and says what it waited for: without the edge's backup routes or the
// agent's snapshots the test fails at that step, in words, instead of running into its timeout.

/** A test employee's disk is a few kilobytes: taking a backup of it is seconds, not minutes. */
const BACKUP_DONE_MS = 120_000;
/** Restoring it: a backup of now, the fetch, the swap and the one-second image's start. */
const RESTORE_DONE_MS = 180_000;

type Backups = ResponseBody<"GET /api/employees/:id/backups">;

/** Every status Ada's badge shows from now on, however briefly. */
async function recordStatuses(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenStatuses: string[] }).seenStatuses = seen;
    const note = () => {
      const status = document.querySelector(".row .badge")?.getAttribute("data-status");
      if (status && seen.at(-1) !== status) seen.push(status);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-status"],
    });
    note();
  });
  return () => page.evaluate(() => (window as unknown as { seenStatuses: string[] }).seenStatuses);
}

test("an owner backs an employee up, restores the backup after the warning, and sees it restored", async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  const owner = `backups-${Date.now()}@example.com`;

  // Sign up and hire Ada, as the first journey does.
  await signUpAndHireAda(page, request, owner);
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/);
  await hydrated(page);
  const employeeId = new URL(page.url()).pathname.split("/").pop() ?? "";
  const badge = page.locator(".row .badge");
  await expect(badge, "Ada never started working").toHaveAttribute("data-status", "running");

  // The edge must have the backups API (edge/routes/backup-routes.ts) for anything below.
  const listed = await page.evaluate(async (id) => {
    const res = await fetch(`/api/employees/${id}/backups`);
    return { status: res.status, body: (await res.json()) as Backups };
  }, employeeId);
  expect(listed.status, "GET /api/employees/:id/backups is not served by this edge yet").toBe(200);

  // The Backups tab: Back up now, then the backup moves from pending to complete by itself.
  await page.getByRole("tab", { name: "Backups" }).click();
  const panel = page.getByTestId("backups");
  await expect(panel.getByRole("heading", { name: "Backups", level: 2 })).toBeVisible();
  await panel.getByRole("button", { name: "Back up now" }).click();
  const manual = panel.locator("li.backup", { hasText: "Taken by hand" }).first();
  await expect(manual, "the new backup did not show in the list").toBeVisible({ timeout: 15_000 });
  await expect(
    manual,
    "the manual backup did not complete (the agent's snapshot.create)",
  ).toHaveAttribute("data-status", "complete", { timeout: BACKUP_DONE_MS });
  await screenshots(page, "backups");

  // Restore: the question says what is lost, that a backup of now comes first, and the restart.
  await manual.getByRole("button", { name: /^Restore the backup of / }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading")).toHaveText(/^Restore Ada to .+\?$/);
  await expect(dialog).toContainText("Everything Ada learned and did since then");
  await expect(dialog).toContainText("A backup of Ada as it is now is taken first");
  await expect(dialog).toContainText("Ada restarts");
  await screenshots(page, "backups-restore-dialog");
  const statuses = await recordStatuses(page);
  await dialog.getByRole("button", { name: "Restore", exact: true }).click();
  await expect(dialog, "the restore was refused (the dialog says why)").toHaveCount(0, {
    timeout: 30_000,
  });

  // Restoring, step by step, then working again, restored from the backup's time.
  await expect(badge, "Ada did not come back from the restore").toHaveAttribute(
    "data-status",
    "running",
    { timeout: RESTORE_DONE_MS },
  );
  expect(await statuses(), "Ada never showed as restoring").toContain("restoring");
  await expect(page.getByTestId("restored-from")).toContainText("Restored from the backup of");
  await expect(panel.locator("li.backup", { hasText: "Before a restore" })).toHaveCount(1);
  await screenshots(page, "backups-restored");

  // The dashboard's card says it too.
  await page.goto("/dashboard");
  await hydrated(page);
  await expect(
    page.locator(`[data-employee="${employeeId}"] [data-testid=restored-from]`),
  ).toContainText("Restored from the backup of");
});
