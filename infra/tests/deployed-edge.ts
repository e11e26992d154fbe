// The edge Worker as Cloudflare runs it, on loopback: the very bundle `wrangler deploy` uploads
// (built with --dry-run), in workerd, with wrangler.toml's D1, Durable Objects and R2 kept in a
// fresh local folder, reached on a socket of its own. Unlike `wrangler dev` (stack.ts) nothing
// local stands in front of the Worker: wrangler dev's proxy adds an HTTP hop to every request and
// every streamed chunk, and Miniflare's entry worker (which fakes request.cf and pretty errors)
// another worker hop; production has neither. Benchmarks of the request path measure this. It
// runs the Miniflare (and so the workerd) that wrangler itself brings.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as MiniflareModule from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { root } from "./stack.ts";

// wrangler pins its own Miniflare; the one at the top of node_modules is the test pool's.
const { Miniflare, convertV4MiniflareOptions } = createRequire(import.meta.resolve("wrangler"))(
  "miniflare",
) as typeof MiniflareModule;

export interface DeployedEdge {
  /** The Worker's own socket. */
  url: string;
  /** The same Worker behind Miniflare's entry worker, as `wrangler dev` serves it minus its proxy. */
  entryUrl: string;
  /** The Worker's own D1, for setting up rows a benchmark needs. */
  db: Awaited<ReturnType<MiniflareModule.Miniflare["getD1Database"]>>;
  stop(): Promise<void>;
}

export async function startDeployedEdge(vars: Record<string, string>): Promise<DeployedEdge> {
  const work = mkdtempSync(path.join(tmpdir(), "iw-deployed-"));
  const outdir = path.join(work, "bundle");
  const wrangler = (args: string[]) =>
    execFileSync(path.join(root, "node_modules/.bin/wrangler"), args, {
      cwd: root,
      stdio: "ignore",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
  wrangler(["deploy", "--dry-run", "--outdir", outdir]);
  // The migrations as everywhere else (stack.ts, npm run dev): wrangler's own, into the folder
  // whose v3/ Miniflare then serves.
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", work]);
  // wrangler.toml's compatibility settings and bindings, as wrangler hands them to Miniflare.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const fromConfig = workerOptions as { bindings?: Record<string, unknown> };
  const script = path.join(outdir, "index.js");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...fromConfig,
          name: "edge",
          rootPath: outdir,
          modules: [{ type: "ESModule", path: script, contents: readFileSync(script, "utf8") }],
          bindings: { ...fromConfig.bindings, ...vars },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
      resourcePersistencePath: path.join(work, "v3"),
      host: "127.0.0.1",
      port: 0,
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const stop = async () => {
    await mf.dispose();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const url = await mf.ready;
    return {
      url: (await mf.unsafeGetDirectURL("edge")).origin,
      entryUrl: url.origin,
      db: await mf.getD1Database("DB"),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
