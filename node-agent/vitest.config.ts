import { defineConfig } from "vitest/config";

// The node agent against a real Docker engine and the locally built test image; the global
// set-up installs and starts the engine and builds the image when missing. What needs no Docker
// lives in test/unit/ and runs with vitest.unit.config.ts, without the machine-wide lock.
export default defineConfig({
  test: {
    name: "node-agent",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    exclude: ["test/unit/**"],
    globalSetup: ["./test/docker-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
