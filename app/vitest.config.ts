import solid from "vite-plugin-solid";
import { defineConfig } from "vitest/config";

// Component tests: Solid components rendered in happy-dom.
export default defineConfig({
  plugins: [solid()],
  root: import.meta.dirname,
  test: {
    name: "app components",
    include: ["test/**/*.test.tsx", "test/**/*.test.ts"],
    environment: "happy-dom",
    setupFiles: ["test/setup.ts"],
  },
  resolve: { conditions: ["development", "browser"] },
});
