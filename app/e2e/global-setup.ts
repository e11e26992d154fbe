import { execFileSync } from "node:child_process";
import path from "node:path";
import { chromium, type FullConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../infra/tests/chromium.ts";

const scripts = path.resolve(import.meta.dirname, "../../infra/scripts");
// How long a warmed page must stay put (no reload from Vite) before the tests start.
const SETTLED_MS = 2_000;
const WARM_TIMEOUT_MS = 120_000;

export default async function setup(config: FullConfig) {
  execFileSync("bash", [path.join(scripts, "ensure-chromium.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "ensure-docker.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "build-test-image.sh")], { stdio: "inherit" });
  const baseURL = config.projects[0]?.use.baseURL;
  if (baseURL) await warmUp(baseURL);
}

// Playwright starts the web server before this runs. On a fresh clone its first page is the
// first Vite serves from a cold cache, and the first test's sign-in once failed there with "The
// connection failed" (CI). The pages are loaded once here, until hydrated and no reload follows,
// and the edge is asked once through the same proxy, so the first test meets a warm stack.
async function warmUp(baseURL: string) {
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ baseURL });
    let navigated = Date.now();
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigated = Date.now();
    });
    for (const route of ["/", "/sign-in"]) {
      await page.goto(route, { timeout: WARM_TIMEOUT_MS });
      for (;;) {
        await page
          .locator("html[data-hydrated=true]")
          .waitFor({ state: "attached", timeout: WARM_TIMEOUT_MS });
        if (Date.now() - navigated >= SETTLED_MS) break;
        if (Date.now() - started > WARM_TIMEOUT_MS) throw new Error(`${route} kept reloading`);
        await page.waitForTimeout(250);
      }
    }
    const health = await page.request.get("/api/health");
    if (!health.ok()) throw new Error(`the edge answered ${health.status()} to /api/health`);
  } finally {
    await browser.close();
  }
  console.log(`[ui] stack warmed in ${Date.now() - started} ms`);
}
