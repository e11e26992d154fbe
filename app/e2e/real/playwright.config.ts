import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../../infra/tests/chromium.ts";
import { REAL_UI_NETWORK } from "../ui-network.ts";

// The customer's journey on what a customer gets: `npm run dev` with the REAL employee image
// (OpenClaw, Chromium, the development model answering), in Debian's Chromium. The other UI
// suite (../playwright.config.ts) runs the one-second stand-in image and is about the app alone;
// this one proves the workspace works with the real OpenClaw (its chat passed on the stand-in
// once while the real OpenClaw refused to be framed).
const PORT = 8817;
const root = path.resolve(import.meta.dirname, "../../..");
export const STATE_DIR =
  process.env.IW_UI_REAL_STATE_DIR ?? mkdtempSync(path.join(tmpdir(), "iw-ui-real-"));
process.env.IW_UI_REAL_STATE_DIR = STATE_DIR;

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  // A launch of the real image takes a minute or two on a loaded 2-core machine.
  timeout: 600_000,
  expect: { timeout: 90_000 },
  workers: 1,
  outputDir: path.join(root, "test-results/ui-real"),
  reporter: [
    ["list"],
    [
      "json",
      {
        outputFile:
          process.env.PW_JSON_OUTPUT ?? path.join(root, "test-results/ui-real/report.json"),
      },
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
      DOCKER_NETWORK: REAL_UI_NETWORK,
      WRANGLER_SEND_METRICS: "false",
    },
    url: `http://localhost:${PORT}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
