// Part of `npm run bench` (bench-ui.ts): Lighthouse's accessibility and best-practices scores of
// the app's pages, in Debian's Chromium (the one every browser test launches). Lighthouse drives
// its own instance over the DevTools port; the session cookie goes with every request, so the
// signed-in pages are scored as the customer sees them. Desktop form factor and no throttling:
// these two categories do not depend on speed.
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import lighthouse, { desktopConfig } from "lighthouse";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/chromium.ts";

export interface Scores {
  page: string;
  accessibility: number;
  bestPractices: number;
  /** The audits that cost points, by id, for what to fix. */
  failing: string[];
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export async function lighthouseScores(
  base: string,
  pages: [string, string][],
  cookie: string,
): Promise<Scores[]> {
  const port = await freeTcpPort();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`],
  });
  const out: Scores[] = [];
  try {
    for (const [name, path] of pages) {
      const result = await lighthouse(
        `${base}${path}`,
        {
          port,
          output: "json",
          logLevel: "error",
          onlyCategories: ["accessibility", "best-practices"],
          extraHeaders: { Cookie: cookie },
          disableStorageReset: true,
        },
        { ...desktopConfig, settings: { ...desktopConfig.settings, throttlingMethod: "provided" } },
      );
      const lhr = result?.lhr;
      if (!lhr) throw new Error(`Lighthouse returned nothing for ${name}`);
      const categories = lhr.categories;
      const failing = ["accessibility", "best-practices"].flatMap((c) =>
        (categories[c]?.auditRefs ?? [])
          .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
          .map((ref) => ref.id),
      );
      out.push({
        page: name,
        accessibility: Math.round((categories.accessibility?.score ?? 0) * 100),
        bestPractices: Math.round((categories["best-practices"]?.score ?? 0) * 100),
        failing,
      });
    }
  } finally {
    await browser.close();
  }
  return out;
}
