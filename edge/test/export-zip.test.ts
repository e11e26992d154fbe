import { env } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../env.ts";
import { R2ZipWriter, ZIP_MAX_ENTRIES, zipDate } from "../export/zip-writer.ts";
import { createLogger } from "../log/logger.ts";
import { createDeps } from "../services/deps.ts";
import { buildExportZip, NOT_INCLUDED_NOTE } from "../services/export-archive.ts";
import { person, uploadKnowledge } from "./lifecycle-helpers.ts";

// The export's zip at the edges of the format: entry dates a DOS date cannot hold, and the number
// of entries the classic end record can count.

async function unzipKey(key: string): Promise<Record<string, Uint8Array>> {
  const object = await env.KNOWLEDGE.get(key);
  if (!object) throw new Error(`no zip at ${key}`);
  return unzipSync(new Uint8Array(await object.arrayBuffer()));
}

describe("export zip", () => {
  it("keeps entries whose date is past 2099, before 1980 or no date, and the ones after", async () => {
    const key = `test-zips/${crypto.randomUUID()}.zip`;
    const zip = await R2ZipWriter.open(env.KNOWLEDGE, key);
    const dates = {
      "future.txt": Date.UTC(2150, 0, 1),
      "past.txt": Date.UTC(1970, 0, 1),
      "invalid.txt": Number.NaN,
      "huge.txt": Number.MAX_SAFE_INTEGER,
      "fine.txt": Date.UTC(2026, 5, 1),
    };
    for (const [name, mtime] of Object.entries(dates)) {
      await zip.addStream(
        name,
        (async function* () {
          yield new TextEncoder().encode(name);
        })(),
        { mtime },
      );
    }
    await zip.add("after.txt", "still here");
    await zip.close();
    const files = await unzipKey(key);
    expect(Object.keys(files).sort()).toEqual([...Object.keys(dates), "after.txt"].sort());
    expect(strFromU8(files["future.txt"] ?? new Uint8Array())).toBe("future.txt");
    expect(strFromU8(files["after.txt"] ?? new Uint8Array())).toBe("still here");
    expect(new Date(zipDate(Date.UTC(2150, 0, 1)) ?? 0).getUTCFullYear()).toBe(2099);
    expect(new Date(zipDate(0) ?? 0).getUTCFullYear()).toBe(1980);
    expect(zipDate(Number.NaN)).toBeUndefined();
    await env.KNOWLEDGE.delete(key);
  });

  it("stops below the entries a zip without ZIP64 can count and says what it left out", async () => {
    expect(ZIP_MAX_ENTRIES).toBeLessThan(65_535);
    const owner = await person("export-entries");
    for (const name of ["a.md", "b.md", "c.md"])
      await uploadKnowledge(owner, "/api/knowledge", name, `# ${name}`);
    const deps = createDeps(env, parseConfig(env), createLogger({ test: "export-zip" }));
    const key = `test-zips/${crypto.randomUUID()}.zip`;
    const now = Date.now();
    const manifest = {
      id: crypto.randomUUID(),
      accountId: owner.accountId,
      state: "assembling" as const,
      createdAt: now,
      requestedBy: owner.userId,
      awaited: [],
      waitUntil: now,
      claimedAt: now,
      size: null,
      error: null,
    };
    // usage.csv and audit.csv, then room for one knowledge file.
    await buildExportZip(deps, manifest, new Map(), key, 3);
    const files = await unzipKey(key);
    expect(Object.keys(files).sort()).toEqual([
      NOT_INCLUDED_NOTE,
      "account.json",
      "audit.csv",
      "knowledge/team/a.md",
      "usage.csv",
    ]);
    const note = strFromU8(files[NOT_INCLUDED_NOTE] ?? new Uint8Array());
    expect(note).toContain("most files one zip can hold here (3)");
    expect(note).toContain("knowledge file b.md (team): not included");
    expect(note).toContain("knowledge file c.md (team): not included");
    const account = JSON.parse(strFromU8(files["account.json"] ?? new Uint8Array())) as {
      notIncluded: string[];
    };
    expect(account.notIncluded).toHaveLength(2);
    await env.KNOWLEDGE.delete(key);

    // Without the limit reached, there is no note.
    const whole = `test-zips/${crypto.randomUUID()}.zip`;
    await buildExportZip(deps, manifest, new Map(), whole);
    expect(Object.keys(await unzipKey(whole))).not.toContain(NOT_INCLUDED_NOTE);
    await env.KNOWLEDGE.delete(whole);
  });
});
