import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { sanitiseFileName } from "../knowledge/file-names.ts";
import { MAX_FILE_BYTES } from "../services/knowledge.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import { api, errorOf, hire, ORIGIN, removeAllEmployees, signIn, uniqueEmail } from "./helpers.ts";

afterEach(removeAllEmployees);

interface FileJson {
  id: string;
  name: string;
  size: number;
  contentType: string;
  scope: string;
}

function upload(
  path: string,
  cookie: string,
  files: { name: string; body: string | Uint8Array<ArrayBuffer> }[],
) {
  const form = new FormData();
  for (const f of files) form.append("file", new Blob([f.body]), f.name);
  return exports.default.fetch(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      body: form,
      headers: { cookie, "cf-connecting-ip": "2001:db8::77" },
    }),
  );
}

async function list(path: string, cookie: string): Promise<FileJson[]> {
  const res = await api(path, { cookie });
  expect(res.status).toBe(200);
  return ((await res.json()) as { files: FileJson[] }).files;
}

describe("file names", () => {
  it.each([
    ["../../etc/passwd.txt", "passwd.txt"],
    ["..\\..\\boot.ini.txt", "boot.ini.txt"],
    ["/abs/path/report.PDF", "report.pdf"],
    [".hidden.md", "hidden.md"],
    ["Preise 2026 (final).xlsx", "Preise 2026 (final).xlsx"],
    ["what?*:<>|.csv", "what______.csv"],
  ])("%s becomes %s", (raw, want) => {
    const r = sanitiseFileName(raw);
    expect(r.ok && r.name).toBe(want);
  });

  it.each([
    ["run.sh"],
    ["noextension"],
    ["..."],
    ["payload.exe"],
    [""],
    ["a\u0000b.txt"],
    ["ab\u202e.txt"],
  ])("refuses %s", (raw) => {
    expect(sanitiseFileName(raw).ok).toBe(false);
  });

  it("keeps the extension when it shortens a long name", () => {
    const r = sanitiseFileName(`${"x".repeat(300)}.md`);
    expect(r.ok && r.name.length).toBe(120);
    expect(r.ok && r.name.endsWith(".md")).toBe(true);
  });
});

describe("knowledge base API", () => {
  it("uploads, lists, downloads and deletes an employee's files; R2 holds the bytes", async () => {
    const cookie = await signIn(uniqueEmail("kb"));
    const e = await hire(cookie);
    const base = `/api/employees/${e.id}/knowledge`;
    expect(await list(base, cookie)).toEqual([]);

    const res = await upload(base, cookie, [
      { name: "../prices.csv", body: "a,b\n1,2\n" },
      { name: "notes.md", body: "# Notes" },
    ]);
    expect(res.status).toBe(201);
    const { files } = (await res.json()) as { files: FileJson[] };
    expect(files.map((f) => f.name).sort()).toEqual(["notes.md", "prices.csv"]);
    expect(files.every((f) => f.scope === "employee")).toBe(true);
    expect((await list(base, cookie)).map((f) => f.name)).toEqual(["notes.md", "prices.csv"]);

    const csv = files.find((f) => f.name === "prices.csv") as FileJson;
    const download = await api(`${base}/${csv.id}`, { cookie });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("a,b\n1,2\n");
    expect(download.headers.get("content-type")).toContain("text/csv");
    expect(download.headers.get("content-disposition")).toContain("attachment");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");

    // The same name again replaces the file rather than adding one.
    const again = await upload(base, cookie, [{ name: "prices.csv", body: "a,b\n3,4\n" }]);
    expect(again.status).toBe(201);
    const after = await list(base, cookie);
    expect(after).toHaveLength(2);
    const replaced = after.find((f) => f.name === "prices.csv") as FileJson;
    expect(await (await api(`${base}/${replaced.id}`, { cookie })).text()).toBe("a,b\n3,4\n");
    expect(await env.KNOWLEDGE.get(`knowledge/${(await me(cookie)).id}/${csv.id}`)).toBeNull();

    expect((await api(`${base}/${replaced.id}`, { method: "DELETE", cookie })).status).toBe(204);
    expect((await list(base, cookie)).map((f) => f.name)).toEqual(["notes.md"]);
    expect((await api(`${base}/${replaced.id}`, { cookie })).status).toBe(404);
  });

  it.each([
    ["a type that is not allowed", [{ name: "tool.exe", body: "MZ" }], 400, "invalid_file"],
    ["an empty file", [{ name: "empty.txt", body: "" }], 400, "invalid_file"],
    [
      "two files of one name",
      [
        { name: "a.txt", body: "1" },
        { name: "a.txt", body: "2" },
      ],
      400,
      "invalid_file",
    ],
    [
      "a file over the size limit",
      [{ name: "big.txt", body: new Uint8Array(MAX_FILE_BYTES + 1) }],
      413,
      "file_too_large",
    ],
  ])("refuses %s and stores nothing of the batch", async (_what, files, status, code) => {
    const cookie = await signIn(uniqueEmail("kb-bad"));
    const e = await hire(cookie);
    const base = `/api/employees/${e.id}/knowledge`;
    const res = await upload(base, cookie, [{ name: "good.txt", body: "fine" }, ...files]);
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
    expect(await list(base, cookie)).toEqual([]);
  });

  it("refuses a body that is not multipart, with the error shape", async () => {
    const cookie = await signIn(uniqueEmail("kb-json"));
    const e = await hire(cookie);
    const res = await api(`/api/employees/${e.id}/knowledge`, {
      method: "POST",
      json: { file: "x" },
      cookie,
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_file");
  });

  it("another account's employee and files are a 404, on every verb", async () => {
    const owner = await signIn(uniqueEmail("kb-owner"));
    const stranger = await signIn(uniqueEmail("kb-stranger"));
    const e = await hire(owner);
    const base = `/api/employees/${e.id}/knowledge`;
    const [file] = (
      (await (await upload(base, owner, [{ name: "s.txt", body: "secret" }])).json()) as {
        files: FileJson[];
      }
    ).files;
    expect((await api(base, { cookie: stranger })).status).toBe(404);
    expect((await upload(base, stranger, [{ name: "x.txt", body: "x" }])).status).toBe(404);
    expect((await api(`${base}/${file?.id}`, { cookie: stranger })).status).toBe(404);
    expect((await api(`${base}/${file?.id}`, { method: "DELETE", cookie: stranger })).status).toBe(
      404,
    );
    // Their team folder does not show it either.
    expect(await list("/api/knowledge", stranger)).toEqual([]);
    expect((await api(`/api/knowledge/${file?.id}`, { cookie: stranger })).status).toBe(404);
    expect(await list(base, owner)).toHaveLength(1);
  });

  it("keeps team files per account", async () => {
    const a = await signIn(uniqueEmail("kb-team-a"));
    const b = await signIn(uniqueEmail("kb-team-b"));
    expect((await upload("/api/knowledge", a, [{ name: "handbook.md", body: "# A" }])).status).toBe(
      201,
    );
    const mine = await list("/api/knowledge", a);
    expect(mine.map((f) => [f.name, f.scope])).toEqual([["handbook.md", "team"]]);
    expect(await list("/api/knowledge", b)).toEqual([]);
    expect((await api("/api/knowledge")).status).toBe(401);
  });

  it("tells the node to sync, serves the files only to that node, and forgets them when fired", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token);
    try {
      const cookie = await signIn(uniqueEmail("kb-sync"));
      const e = await hire(cookie);
      await agent.completeProvision(await agent.next("container.provision"));
      // Running: the whole (still empty) knowledge base is sent.
      const first = await agent.next("knowledge.sync");
      expect(first).toMatchObject({ employeeId: e.id, own: [], shared: [] });
      agent.send({ type: "result", id: first.id, ok: true });

      await upload(`/api/employees/${e.id}/knowledge`, cookie, [{ name: "a.txt", body: "AAA" }]);
      await upload("/api/knowledge", cookie, [{ name: "team.txt", body: "TTT" }]);
      // A newer sync supersedes a queued one; the last one lists both files.
      let sync = await agent.next("knowledge.sync");
      while (sync.shared.length === 0) sync = await agent.next("knowledge.sync");
      expect(sync.own.map((f) => f.name)).toEqual(["a.txt"]);
      expect(sync.shared.map((f) => f.name)).toEqual(["team.txt"]);
      const own = sync.own[0];
      expect(own?.sha256).toMatch(/^[0-9a-f]{64}$/);

      // The node fetches with its token; another node, or none, cannot.
      const fetchAs = (token: string | undefined, id: string) =>
        api(`/agent/knowledge/${id}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      const got = await fetchAs(node.token, own?.id ?? "");
      expect(got.status).toBe(200);
      expect(await got.text()).toBe("AAA");
      expect((await fetchAs(node.token, sync.shared[0]?.id ?? "")).status).toBe(200);
      expect((await fetchAs(undefined, own?.id ?? "")).status).toBe(401);
      const elsewhere = await createNode();
      expect((await fetchAs(elsewhere.token, own?.id ?? "")).status).toBe(404);

      // Fired: its own files go with it (R2 and D1); the team's stay.
      await api(`/api/employees/${e.id}`, { method: "DELETE", cookie });
      const remove = await agent.next("container.remove");
      agent.send({ type: "result", id: remove.id, ok: true });
      await expect
        .poll(async () => (await fetchAs(node.token, own?.id ?? "")).status, { timeout: 5000 })
        .toBe(404);
      expect(await list("/api/knowledge", cookie)).toHaveLength(1);
    } finally {
      agent.close();
    }
  });

  it("reads memory through the node, and says so when it cannot", async () => {
    const cookie = await signIn(uniqueEmail("kb-memory"));
    const waiting = await hire(cookie); // no node connected: not placed anywhere
    const res = await api(`/api/employees/${waiting.id}/memory`, { cookie });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("memory_unavailable");
    await removeAllEmployees();

    const node = await createNode();
    const agent = await FakeAgent.connect(node.token);
    try {
      const e = await hire(cookie);
      await agent.completeProvision(await agent.next("container.provision"));
      const reading = api(`/api/employees/${e.id}/memory`, { cookie });
      const ask = await agent.next("memory.read");
      agent.send({
        type: "result",
        id: ask.id,
        ok: true,
        memory: [
          {
            path: "MEMORY.md",
            content: "# Likes tables",
            size: 14,
            truncated: false,
            modifiedAt: 1,
          },
        ],
      });
      const answered = await reading;
      expect(answered.status).toBe(200);
      expect(((await answered.json()) as { files: { content: string }[] }).files[0]?.content).toBe(
        "# Likes tables",
      );
    } finally {
      agent.close();
    }
  });
});

async function me(cookie: string): Promise<{ id: string }> {
  return ((await (await api("/api/me", { cookie })).json()) as { user: { id: string } }).user;
}
