import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

const results = path.resolve(import.meta.dirname, "../../test-results/ui");

// axe-core on the page as it is now, against WCAG 2.1 A and AA: no serious or critical
// violation may be there. Every page the suite screenshots is checked at each width (the
// header differs at 375 px). Each check's counts go to test-results/ui/axe.jsonl; the
// employee's own page in the workspace's frame is the employee's, not the app's.
// SolidStart's development toolbar is not part of the app (the production build has none).
// A page opened without JavaScript cannot run axe: the same URL is checked in a page of its own
// with the same cookies and size, which renders the same server HTML.
export async function checkAccessibility(page: Page, name: string) {
  const axe = (p: Page) =>
    new AxeBuilder({ page: p })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .exclude("iframe.view")
      .exclude("[data-start-dev-toolbar]")
      .analyze();
  let report = await axe(page).catch((err: Error) => {
    if (err.message.includes("cannot run scripts")) return undefined;
    throw err;
  });
  if (!report) {
    const browser = page.context().browser();
    if (!browser) throw new Error("no browser to check a page without JavaScript");
    const context = await browser.newContext({ viewport: page.viewportSize() });
    await context.addCookies(await page.context().cookies());
    const copy = await context.newPage();
    await copy.goto(page.url());
    report = await axe(copy);
    await context.close();
  }
  const { violations, passes } = report;
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  mkdirSync(results, { recursive: true });
  appendFileSync(
    path.join(results, "axe.jsonl"),
    `${JSON.stringify({
      page: name,
      width: page.viewportSize()?.width,
      passes: passes.length,
      violations: violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
    })}\n`,
  );
  // Soft: the journey goes on, so one run reports every page's violations.
  expect
    .soft(
      blocking.map(
        (v) =>
          `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`,
      ),
      `${name}: axe-core's serious or critical violations`,
    )
    .toEqual([]);
}
