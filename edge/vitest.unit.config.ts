import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The edge's pure modules (the employee lifecycle) and docs/api.md against the contract, tested as plain functions on Node with a
// clock of their own: no workerd, no storage. Everything else runs in workerd (vitest.config.ts).
export default defineConfig({
  test: {
    name: "edge-unit",
    root: path.dirname(fileURLToPath(import.meta.url)),
    include: ["test/unit/**/*.test.ts"],
    environment: "node",
    silent: "passed-only",
  },
});
