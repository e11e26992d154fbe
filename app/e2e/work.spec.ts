import { expect, test } from "@playwright/test";
import type { ResponseBody } from "../../edge/contract/endpoints.ts";
import { hydrated, screenshots, signUpAndHireAda } from "./helpers.ts";

// Issue 18 in the dashboard, as `npm run dev` serves it (edge, agent, the one-second test
// employee): an owner schedules a task for Ada from the Schedule tab (every weekday at 09:00 in
// Berlin), sees it listed in words with its next run, opens the Work tab (her budget, the week's
// report card, the ledger) and downloads the ledger as CSV; the team's report card is a page of
// its own, linked from the dashboard. It needs, on the stack: the schedules, ledger and report
// endpoints (GET/POST /api/employees/:id/schedules, GET …/ledger with format=csv, GET …/report,
// GET /api/report). Each step says what it waited for, so a missing piece fails there, in words.

type Schedules = ResponseBody<"GET /api/employees/:id/schedules">;

test("an owner schedules work for Ada, sees its next run, and downloads her ledger", async ({
  page,
  request,
}) => {
  test.setTimeout(600_000);
  const owner = `work-${Date.now()}@example.com`;
  await signUpAndHireAda(page, request, owner);
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/);
  await hydrated(page);
  const employeeId = new URL(page.url()).pathname.split("/").pop() ?? "";

  const listed = await page.evaluate(async (id) => {
    const res = await fetch(`/api/employees/${id}/schedules`);
    return { status: res.status, body: (await res.json()) as Schedules };
  }, employeeId);
  expect(listed.status, "GET /api/employees/:id/schedules is not served by this edge yet").toBe(
    200,
  );

  // The Schedule tab: nothing yet, then a task from the form's presets.
  await page.getByRole("tab", { name: "Schedule" }).click();
  const panel = page.getByTestId("schedule");
  await expect(panel.getByText("Nothing is scheduled yet.")).toBeVisible();
  const form = panel.locator("form.schedule-form");
  await form.getByLabel("Title").fill("Morning digest");
  await form.getByLabel("What to do").fill("Summarise yesterday's messages in three lines.");
  await form.getByLabel("When").selectOption("weekdays");
  await form.getByLabel("At", { exact: true }).fill("09:00");
  await form.getByLabel("Time zone").fill("Europe/Berlin");
  await expect(form.getByTestId("schedule-preview")).toHaveText(
    "Every weekday at 09:00 (Europe/Berlin)",
  );
  await form.getByRole("button", { name: "Schedule" }).click();
  const task = panel.locator("[data-schedule]").first();
  await expect(task, "the new task is not listed").toBeVisible();
  await expect(task.getByTestId("schedule-when")).toHaveText(
    "Every weekday at 09:00 (Europe/Berlin)",
  );
  await expect(task.getByTestId("schedule-next"), "the task has no next run").toHaveText(
    /^Next run: /,
  );
  // It is the server's: a reload lists it again.
  await page.reload();
  await hydrated(page);
  await page.getByRole("tab", { name: "Schedule" }).click();
  await expect(page.getByTestId("schedule").locator("[data-schedule]")).toHaveCount(1);
  await screenshots(page, "schedule");

  // The Work tab: the week's report card and the ledger, and its CSV.
  await page.getByRole("tab", { name: "Work" }).click();
  const work = page.getByTestId("work");
  await expect(work.getByTestId("employee-report"), "the report card did not load").toBeVisible();
  await expect(work.locator(".ledger-section [data-state=loading]")).toHaveCount(0);
  await expect(work.locator(".ledger-section [data-state=error]")).toHaveCount(0);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    work.getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const path = await download.path();
  expect(path, "the CSV did not download").toBeTruthy();
  const { readFile } = await import("node:fs/promises");
  const csv = await readFile(path, "utf8");
  expect(csv.split("\n")[0], "the CSV has no header row").toMatch(/kind/i);
  await screenshots(page, "work");

  // The team's report card, from the dashboard.
  await page.goto("/dashboard");
  await hydrated(page);
  await page.getByTestId("report-link").click();
  await expect(page).toHaveURL(/\/report$/);
  await expect(page.getByTestId("team-totals"), "the team's report did not load").toBeVisible();
  await expect(page.locator("table.report-team tbody tr")).toHaveCount(1);
  await screenshots(page, "report");
});
