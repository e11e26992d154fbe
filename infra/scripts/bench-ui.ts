// Part of `npm run bench`: the app's production build (the Worker that deploys) served by
// workerd, behind the same one-origin proxy as development, with the real edge, agent and Docker.
// Prints each main page's JavaScript and HTML weight (gzipped, as served compressed), the time
// from navigation to the dashboard showing live status, and Lighthouse's accessibility and
// best-practices scores of the landing page, the dashboard and a workspace (the aim is 95 or
// more). Measures; asserts nothing.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { removeContainersOnNetwork } from "../../node-agent/test/docker-cli.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/chromium.ts";
import {
  E2E_NETWORK,
  freePort,
  hireBody,
  LiveSocket,
  root,
  signIn,
  sleep,
  startStack,
} from "../tests/stack.ts";
import { startDevProxy } from "./dev-proxy.ts";
import { lighthouseScores } from "./lighthouse-scores.ts";

const LOADS = Number(process.env.BENCH_UI_LOADS ?? 5);

execFileSync("bash", [path.join(root, "infra/scripts/ensure-chromium.sh")], { stdio: "inherit" });
execFileSync("bash", [path.join(root, "infra/scripts/ensure-docker.sh")], { stdio: "inherit" });
execFileSync("bash", [path.join(root, "infra/scripts/build-test-image.sh")], { stdio: "inherit" });
execFileSync(path.join(root, "node_modules/.bin/vite"), ["build"], {
  cwd: path.join(root, "app"),
  stdio: "ignore",
  env: { ...process.env, NODE_ENV: "production" },
});

removeContainersOnNetwork(E2E_NETWORK);
const stack = await startStack();
const appPort = await freePort();
const publicPort = await freePort();
const edgePort = Number(new URL(stack.edgeUrl).port);
const app: ChildProcess = spawn(
  path.join(root, "node_modules/.bin/wrangler"),
  [
    "dev",
    "-c",
    "wrangler.json",
    "--port",
    String(appPort),
    "--ip",
    "127.0.0.1",
    "--var",
    `EDGE_INTERNAL_URL:${stack.edgeUrl}`,
    "--show-interactive-dev-session=false",
  ],
  {
    cwd: path.join(root, "app/.output/server"),
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
const proxy = await startDevProxy({
  port: publicPort,
  edge: { host: "127.0.0.1", port: edgePort },
  app: { host: "127.0.0.1", port: appPort },
});
const base = `http://localhost:${publicPort}`;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  for (
    let i = 0;
    i < 120 &&
    !(await fetch(`http://127.0.0.1:${appPort}/`)
      .then((r) => r.ok)
      .catch(() => false));
    i++
  )
    await sleep(250);

  const client = await signIn(stack.edgeUrl, `bench-ui-${Date.now()}@example.com`);
  const hired = await client.call("POST /api/employees", { body: hireBody });
  const live = new LiveSocket(stack.edgeUrl, hired.employee.id, client.cookie);
  await live.opened();
  await live.waitFor((f) => f.employee?.status === "running");
  live.close();

  const context = await browser.newContext();
  await context.addCookies([
    { name: "iw_session", value: client.cookie.split("=")[1] ?? "", url: base },
  ]);
  const pages: [string, string][] = [
    ["landing", "/"],
    ["sign-in", "/sign-in"],
    ["onboarding", "/onboarding"],
    ["dashboard", "/dashboard"],
    ["workspace", `/employees/${hired.employee.id}`],
    ["account", "/account"],
  ];
  const gz = (b: Buffer) => gzipSync(b).byteLength / 1024;
  console.log(
    "\nUI weight, production build (gzipped KiB; JavaScript counts every script the page loads)",
  );
  for (const [name, url] of pages) {
    const page = await context.newPage();
    const scripts: Promise<number>[] = [];
    let html = 0;
    page.on("response", (res) => {
      const type = res.request().resourceType();
      if (type === "script")
        scripts.push(
          res
            .body()
            .then(gz)
            .catch(() => 0),
        );
      if (type === "document")
        void res.body().then((b) => {
          html = gz(b);
        });
    });
    await page.goto(`${base}${url}`, { waitUntil: "networkidle" });
    const js = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    console.log(
      `  ${name.padEnd(11)} JS ${js.toFixed(1).padStart(6)} KiB in ${String(scripts.length).padStart(2)} files   HTML ${html.toFixed(1).padStart(5)} KiB`,
    );
    await page.close();
  }

  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${base}/dashboard`);
    await page.locator("html[data-hydrated=true]").waitFor({ state: "attached" });
    await page.locator("[data-employee] [data-status=running]").waitFor();
    // Live means the socket is open: wait until the server's first frame has been applied.
    await page.waitForFunction(() =>
      performance.getEntriesByType("resource").some((e) => e.name.includes("/live")),
    );
    times.push(Date.now() - t0);
    await page.close();
  }
  times.sort((a, b) => a - b);
  console.log(
    `\nnavigation → dashboard hydrated with its live status socket open: p50 ${times[Math.floor(times.length / 2)]} ms, max ${times[times.length - 1]} ms, n=${times.length}`,
  );
  console.log("\nLighthouse (Debian's Chromium, desktop; the aim is ≥ 95 for both)");
  const scored = await lighthouseScores(
    base,
    [
      ["landing", "/"],
      ["dashboard", "/dashboard"],
      ["workspace", `/employees/${hired.employee.id}`],
    ],
    client.cookie,
  );
  for (const s of scored)
    console.log(
      `  ${s.page.padEnd(11)} accessibility ${String(s.accessibility).padStart(3)}   best practices ${String(s.bestPractices).padStart(3)}${s.failing.length ? `   (points lost: ${s.failing.join(", ")})` : ""}`,
    );
  await client.api(`/api/employees/${hired.employee.id}`, { method: "DELETE" });
} finally {
  await browser.close();
  proxy.close();
  app.kill("SIGTERM");
  await stack.stop();
  removeContainersOnNetwork(E2E_NETWORK);
}
