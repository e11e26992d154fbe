import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { root } from "./stack.ts";

const app = path.join(root, "app");

describe("the app's build", () => {
  it("is its own Worker: never the edge's name or bindings, and server-renders its start page", () => {
    // NODE_ENV=test (vitest's) would make a development build with SolidStart's dev overlay.
    const build = spawnSync(path.join(root, "node_modules/.bin/vite"), ["build"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "production" },
    });
    expect(build.status, build.stderr).toBe(0);
    const config = JSON.parse(
      readFileSync(path.join(app, ".output/server/wrangler.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(config.name).toBe("instantworker-app");
    expect(config).not.toHaveProperty("d1_databases");
    expect(config).not.toHaveProperty("durable_objects");
    const ssr = readdirSync(path.join(app, ".output/server/_ssr")).map((f) =>
      readFileSync(path.join(app, ".output/server/_ssr", f), "utf8"),
    );
    expect(ssr.join("\n")).toContain("Hire AI employees that get work done");
  });

  // Every route's client code together stays under the landing page's own 60 KB budget, which is
  // therefore met too; bench-ui measures each page as served.
  it("ships a small amount of JavaScript (figure printed for the notes)", () => {
    const dir = path.join(app, ".output/public");
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".js")) files.push(p);
      }
    };
    walk(dir);
    const gz = files.reduce((n, f) => n + gzipSync(readFileSync(f)).byteLength, 0);
    console.log(
      `app client JavaScript: ${files.length} files, ${(gz / 1024).toFixed(1)} KiB gzipped`,
    );
    expect(gz).toBeLessThan(60 * 1024);
  });
});
