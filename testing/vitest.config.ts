import { defineConfig } from "vitest/config";

// The shared test parts themselves, in plain Node: the development model's scripting and wire
// formats.
export default defineConfig({
  test: {
    name: "testing",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
  },
});
