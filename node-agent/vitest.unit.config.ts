import { defineConfig } from "vitest/config";

// The agent's parts that need no Docker (test/unit/): the command executor over a fake runtime,
// the hub connection against a loopback edge, the log vocabulary. No engine, no image, no lock.
export default defineConfig({
  test: {
    name: "node-agent-unit",
    root: import.meta.dirname,
    include: ["test/unit/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
