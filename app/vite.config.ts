import { solidStart } from "@solidjs/start/config";
import { nitro } from "nitro/vite";
import { defineConfig } from "vite";

// The app has its own root and config, so its build never reads the edge's wrangler.toml.
// One origin for app and API: in production same-zone routes send /api/* to the edge Worker; in
// development `npm run dev` puts a small proxy in front of both (infra/scripts/dev-proxy.ts).
// Builds target Workers; the dev server renders in Node, because Nitro's Cloudflare dev runner
// does not accept the miniflare that wrangler brings.
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  plugins: [solidStart(), nitro()],
  // SolidStart's dev overlay imports these UMD builds in the browser; pre-bundling makes them ESM.
  // Every route is scanned for dependencies at start-up, and the client files are transformed
  // ahead: a cold cache (a fresh clone) otherwise discovers dependencies during the first page
  // load, and the modules already served go stale, leaving that page unhydrated.
  server: {
    warmup: { clientFiles: ["./src/entry-client.tsx", "./src/app.tsx", "./src/routes/**/*.tsx"] },
  },
  optimizeDeps: {
    entries: ["src/entry-client.tsx", "src/routes/**/*.tsx", "src/components/**/*.tsx"],
    // Imported only when first needed (the first answer, the Browser tab): named here so the
    // optimizer has them from the start instead of discovering them mid-session and reloading.
    include: [
      "markdown-it",
      "@novnc/novnc",
      "@jridgewell/resolve-uri",
      "@jridgewell/sourcemap-codec",
      "@jridgewell/trace-mapping",
    ],
  },
  nitro: {
    preset: command === "build" ? "cloudflare_module" : "node_server",
  },
}));
