import { solidStart } from "@solidjs/start/config";
import { nitro } from "nitro/vite";
import { defineConfig, type Plugin } from "vite";

// The contract's zod schemas are built at the top of their modules; a page that imports one
// constant from such a module (a status list, a right) would otherwise carry every schema beside
// it, and the parts of zod they use. Building a schema has no effect but its value, so each
// `z.…(` call in the contract (`z.iso.datetime(` too) is marked pure, and a schema no page reads
// is dropped; a contract module is declarations only, so one a page reads nothing from is left
// out (infra/tests/app-build.test.ts holds each page to its budget). A plain text match: the
// contract has no such call inside a string or a comment, and a build that broke on one would
// say so.
function pureSchemas(): Plugin {
  const contract = /[\\/]edge[\\/](contract|protocol)[\\/][^\\/]+\.ts$/;
  return {
    name: "iw:pure-schemas",
    apply: "build",
    transform(code, id) {
      if (!contract.test(id)) return null;
      return {
        code: code.replace(/(?<![\w.$])z\.((?:\w+\.)?\w+)\(/g, "/* @__PURE__ */ z.$1("),
        map: null,
        // Declarations only: a contract module none of whose exports a page reads is not loaded.
        moduleSideEffects: false,
      };
    },
  };
}

// The app has its own root and config, so its build never reads the edge's wrangler.toml.
// One origin for app and API: in production same-zone routes send /api/* to the edge Worker; in
// development `npm run dev` puts a small proxy in front of both (infra/scripts/dev-proxy.ts).
// Builds target Workers; the dev server renders in Node, because Nitro's Cloudflare dev runner
// does not accept the miniflare that wrangler brings.
export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  plugins: [pureSchemas(), solidStart(), nitro()],
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
