import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../infra/tests/chromium.ts";
import { UI_NETWORK } from "./ui-network.ts";

// The browser tests drive exactly what `npm run dev` serves (edge, app, node agent, Docker test
// image) on its own port and with its own state folder, in Debian's Chromium; never a
// downloaded browser.
const PORT = 8797;
const root = path.resolve(import.meta.dirname, "../..");
export const STATE_DIR = process.env.IW_UI_STATE_DIR ?? mkdtempSync(path.join(tmpdir(), "iw-ui-"));
process.env.IW_UI_STATE_DIR = STATE_DIR;

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  // The real-image journey has its own config and stack (real/playwright.config.ts).
  testIgnore: "real/**",
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  outputDir: path.join(root, "test-results/ui"),
  reporter: [
    ["list"],
    [
      "json",
      { outputFile: process.env.PW_JSON_OUTPUT ?? path.join(root, "test-results/ui/report.json") },
    ],
  ],
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `${process.execPath} ${path.join(root, "infra/scripts/dev.ts")}`,
    cwd: root,
    env: {
      PORT: String(PORT),
      IW_STATE_DIR: STATE_DIR,
      DOCKER_NETWORK: UI_NETWORK,
      // The one-second stand-in employee: these tests are about the app, not OpenClaw
      // (infra/tests/employee-e2e.test.ts is).
      DEV_EMPLOYEE: "test",
      WRANGLER_SEND_METRICS: "false",
    },
    url: `http://localhost:${PORT}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
