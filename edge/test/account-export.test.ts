import { env, exports } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExportView } from "../contract/endpoints.ts";
import { WORKSPACE_EXPORT_MAX_BYTES } from "../protocol/frames.ts";
import { EXPORT_WAIT_MS } from "../services/account-export.ts";
import { NOT_RUNNING } from "../services/export-archive.ts";
import { createNode } from "./fake-agent.ts";
import { api, errorOf, ORIGIN, removeAllEmployees } from "./helpers.ts";
import {
  AnsweringAgent,
  joinAs,
  type Person,
  person,
  runCronAt,
  runningEmployee,
  seedAudit,
  statusOf,
  until,
  uploadKnowledge,
} from "./lifecycle-helpers.ts";

const DAY = 86_400_000;
let node: { id: string; token: string };
let agent: AnsweringAgent;
beforeAll(async () => {
  node = await createNode();
  agent = await AnsweringAgent.connect(node.token);
});
afterAll(async () => {
  agent.close();
  await removeAllEmployees();
});

// A workspace as the node agent sends it: a gzip-compressed tar, here with a hostile entry or two
// a container could have planted (a path out of the folder, a link, a name that displays reversed,
// a date no zip can hold, first so that everything after it is at stake).
async function workspaceArchive(): Promise<Uint8Array> {
  const tar = pack();
  tar.entry({ name: "from-2150.txt", mtime: new Date(Date.UTC(2150, 0, 1)) }, "touched ahead");
  tar.entry({ name: "invoice\u202Efdp.exe" }, "looks like a pdf");
  tar.entry({ name: "MEMORY.md" }, "Ada remembers: the customer likes tea.\n");
  tar.entry({ name: "memory", type: "directory" });
  tar.entry({ name: "memory/2026-06-01.md" }, "# 1 June\nOrdered tea.\n");
  tar.entry({ name: "../escape.txt" }, "out of the folder");
  tar.entry({ name: "passwd", type: "symlink", linkname: "/etc/passwd" });
  tar.finalize();
  const chunks: Uint8Array[] = [];
  for await (const chunk of tar as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const gz = new Response(new Blob(chunks).stream().pipeThrough(new CompressionStream("gzip")));
  return new Uint8Array(await gz.arrayBuffer());
}

function upload(
  exportId: string,
  employeeId: string,
  body: Uint8Array | string,
  opts: { token?: string; type?: string; length?: number } = {},
): Promise<Response> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const headers: Record<string, string> = {
    "content-type": opts.type ?? "application/gzip",
    "content-length": String(opts.length ?? bytes.byteLength),
  };
  if (opts.token !== "") headers.authorization = `Bearer ${opts.token ?? node.token}`;
  return exports.default.fetch(
    new Request(new URL(`/agent/exports/${exportId}/${employeeId}`, ORIGIN), {
      method: "PUT",
      headers,
      body: bytes,
    }),
  );
}

async function listExports(who: Person): Promise<ExportView[]> {
  const res = await api("/api/account/exports", { cookie: who.cookie });
  expect(res.status).toBe(200);
  return ((await res.json()) as { exports: ExportView[] }).exports;
}

describe("account export", () => {
  it("zips the account, its knowledge and its running employees' workspaces, for the owner alone", async () => {
    const owner = await person("export-owner");
    const [admin, stranger] = await Promise.all([person("export-admin"), person("export-x")]);
    await joinAs(admin, owner.accountId, "admin");
    await env.DB.prepare("UPDATE accounts SET plan = 'pro' WHERE id = ?")
      .bind(owner.accountId)
      .run();
    const ada = await runningEmployee(owner.accountId, "Ada");
    const bob = await runningEmployee(owner.accountId, "Bob/Builder");
    const cy = await runningEmployee(owner.accountId, "Cy");
    expect(
      (await api(`/api/employees/${cy}/stop`, { method: "POST", cookie: owner.cookie })).status,
    ).toBe(202);
    await until(async () => (await statusOf(cy))?.status === "stopped", "Cy stopped");
    await uploadKnowledge(owner, "/api/knowledge", "handbook.md", "# Team handbook");
    await uploadKnowledge(owner, `/api/employees/${ada}/knowledge`, "ada.txt", "Ada's own");
    await env.DB.prepare(
      `INSERT INTO llm_usage (id, account_id, employee_id, model, prompt_tokens, completion_tokens,
         cost_micro_eur, stream, month, created_at) VALUES (?, ?, ?, 'fast', 120, 30, 99, 1, '2026-06', ?)`,
    )
      .bind(crypto.randomUUID(), owner.accountId, ada, Date.now())
      .run();
    await seedAudit(owner.accountId, [
      { at: Date.now() - 1000, action: "employee.hire", userAgent: "=cmd" },
    ]);

    // The node answers: Ada's workspace, and why Bob's cannot come; both wait for a gate, so the
    // export is seen waiting first.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    agent.onExport = async (frame) => {
      await gate;
      const res =
        frame.employeeId === ada
          ? await upload(frame.exportId, ada, await workspaceArchive())
          : await upload(
              frame.exportId,
              frame.employeeId,
              JSON.stringify({ error: "the workspace is larger than 100 MB" }),
              { type: "application/json" },
            );
      if (res.status !== 204) throw new Error(`upload answered ${res.status}`);
    };

    for (const who of [admin]) {
      const res = await api("/api/account/export", { method: "POST", cookie: who.cookie });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden_role");
      expect((await api("/api/account/exports", { cookie: who.cookie })).status).toBe(403);
    }
    const started = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    expect(started.status).toBe(202);
    const view = ((await started.json()) as { export: ExportView }).export;
    expect(view).toMatchObject({ status: "preparing", size: null, downloadUrl: null, error: null });
    await until(() => agent.count("workspace.export") === 2, "workspace.export sent to the node");
    expect(agent.count("workspace.export", cy)).toBe(0);
    const again = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    expect(again.status).toBe(409);

    // What a node may not upload: without its token, for an employee not on it or not awaited,
    // more than the limit, or in another format.
    const other = await createNode();
    const archive = await workspaceArchive();
    expect((await upload(view.id, ada, archive, { token: "" })).status).toBe(401);
    expect((await upload(view.id, ada, archive, { token: other.token })).status).toBe(404);
    expect((await upload(view.id, cy, archive)).status).toBe(404);
    expect((await upload(crypto.randomUUID(), ada, archive)).status).toBe(404);
    const tooBig = await upload(view.id, ada, archive, { length: WORKSPACE_EXPORT_MAX_BYTES + 1 });
    expect(tooBig.status).toBe(413);
    expect((await upload(view.id, ada, "hello", { type: "text/plain" })).status).toBe(415);
    const lying = await upload(view.id, ada, archive, { length: archive.byteLength + 10 });
    expect(lying.status).toBe(400); // the put sees fewer bytes than declared
    expect((await listExports(owner))[0]?.status).toBe("preparing");

    open();
    let ready: ExportView | undefined;
    await until(
      async () => {
        ready = (await listExports(owner)).find((e) => e.id === view.id);
        return ready?.status === "ready";
      },
      "the export ready",
      15_000,
    );
    expect(ready?.downloadUrl).toBe(`/api/account/exports/${view.id}/download`);
    // The workspaces are in the zip now; their uploads are not kept beside it.
    expect(
      (await env.KNOWLEDGE.list({ prefix: `exports/${owner.accountId}/${view.id}/workspaces/` }))
        .objects,
    ).toEqual([]);

    for (const who of [admin, stranger]) {
      const res = await api(ready?.downloadUrl ?? "", { cookie: who.cookie });
      expect(res.status).toBe(404);
    }
    const res = await api(ready?.downloadUrl ?? "", { cookie: owner.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="instantworker-export-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    const zip = new Uint8Array(await res.arrayBuffer());
    expect(zip.byteLength).toBe(ready?.size);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(
      [
        "account.json",
        "audit.csv",
        "knowledge/Ada/ada.txt",
        "knowledge/team/handbook.md",
        "usage.csv",
        "workspaces/Ada/MEMORY.md",
        "workspaces/Ada/from-2150.txt",
        "workspaces/Ada/memory/2026-06-01.md",
      ].sort(),
    );
    const text = (name: string) => strFromU8(files[name] ?? new Uint8Array());
    expect(text("workspaces/Ada/MEMORY.md")).toBe("Ada remembers: the customer likes tea.\n");
    expect(text("knowledge/team/handbook.md")).toBe("# Team handbook");
    const account = JSON.parse(text("account.json")) as {
      account: { id: string };
      members: { email: string; role: string }[];
      employees: { id: string; name: string; skills: string[]; workspace: string }[];
    };
    expect(account.account.id).toBe(owner.accountId);
    expect(account.members.map((m) => [m.email, m.role]).sort()).toEqual(
      [
        [owner.email, "owner"],
        [admin.email, "admin"],
      ].sort(),
    );
    const workspace = Object.fromEntries(account.employees.map((e) => [e.name, e.workspace]));
    expect(workspace).toEqual({
      Ada: "included",
      "Bob/Builder": "workspace not included: the workspace is larger than 100 MB",
      Cy: NOT_RUNNING,
    });
    expect(account.employees.find((e) => e.id === bob)?.skills.length).toBeGreaterThan(0);
    const usage = text("usage.csv").split("\r\n");
    expect(usage[0]).toBe(
      "created_at,employee_id,model,prompt_tokens,completion_tokens,cost_micro_eur,stream,month,id",
    );
    expect(usage[1]).toContain(`,${ada},fast,120,30,99,true,2026-06,`);
    const audit = text("audit.csv");
    expect(audit).toContain(",account.export,export,");
    expect(audit).toContain(",'=cmd,");
  });

  it("streams a large workspace into the zip part by part", { timeout: 120_000 }, async () => {
    const owner = await person("export-large");
    const ada = await runningEmployee(owner.accountId, "Ada");
    const random = (bytes: number) => {
      const out = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
      return out;
    };
    const big = random(20 * 1024 * 1024); // incompressible: the zip grows past two parts
    const photo = random(5 * 1024 * 1024);
    const tar = pack();
    tar.entry({ name: "data/big.bin" }, Buffer.from(big));
    tar.entry({ name: "photo.png" }, Buffer.from(photo));
    for (let i = 0; i < 500; i++) tar.entry({ name: `memory/n-${i}.md` }, `note ${i}\n`);
    tar.finalize();
    const parts: Uint8Array[] = [];
    for await (const chunk of tar as AsyncIterable<Uint8Array>) parts.push(chunk);
    const gz = new Uint8Array(
      await new Response(
        new Blob(parts).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
    agent.onExport = async (frame) => {
      const res = await upload(frame.exportId, frame.employeeId, gz);
      if (res.status !== 204) throw new Error(`upload answered ${res.status}`);
    };
    const started = Date.now();
    const res = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    expect(res.status).toBe(202);
    let ready: ExportView | undefined;
    await until(
      async () => {
        ready = (await listExports(owner))[0];
        return ready?.status === "ready";
      },
      "the export ready",
      100_000,
    );
    const ms = Date.now() - started;
    const download = await api(ready?.downloadUrl ?? "", { cookie: owner.cookie });
    const zip = new Uint8Array(await download.arrayBuffer());
    console.log(
      `export: ${(gz.byteLength / 1024 / 1024).toFixed(1)} MB workspace upload → ${(zip.byteLength / 1024 / 1024).toFixed(1)} MB zip in ${ms} ms`,
    );
    expect(zip.byteLength).toBeGreaterThan(2 * 8 * 1024 * 1024);
    const files = unzipSync(zip);
    const sha = async (b: Uint8Array | undefined) =>
      b ? [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].join(",") : "missing";
    expect(await sha(files["workspaces/Ada/data/big.bin"])).toBe(await sha(big));
    expect(await sha(files["workspaces/Ada/photo.png"])).toBe(await sha(photo));
    expect(Object.keys(files).filter((f) => f.startsWith("workspaces/Ada/memory/"))).toHaveLength(
      500,
    );
    agent.onExport = undefined;
    expect(ada).toBeTruthy();
  });

  it("is made without a workspace whose node never sends it, once the wait is over", async () => {
    const owner = await person("export-silent");
    const ada = await runningEmployee(owner.accountId, "Ada");
    agent.onExport = async () => undefined; // the node says nothing
    const res = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    const { id } = ((await res.json()) as { export: ExportView }).export;
    await until(() => agent.count("workspace.export", ada) > 0, "asked");
    await runCronAt(Date.now() + EXPORT_WAIT_MS - 60_000);
    expect((await listExports(owner))[0]?.status).toBe("preparing");
    await runCronAt(Date.now() + EXPORT_WAIT_MS + 1000);
    const [made] = await listExports(owner);
    expect(made).toMatchObject({ id, status: "ready" });
    const zip = unzipSync(
      new Uint8Array(
        await (await api(made?.downloadUrl ?? "", { cookie: owner.cookie })).arrayBuffer(),
      ),
    );
    const account = JSON.parse(strFromU8(zip["account.json"] ?? new Uint8Array())) as {
      employees: { name: string; workspace: string }[];
    };
    expect(account.employees).toEqual([
      expect.objectContaining({
        name: "Ada",
        workspace: "workspace not included: its server did not send it in time",
      }),
    ]);
    agent.onExport = undefined;
  });

  it("deletes exports past their keep on the cron", async () => {
    const owner = await person("export-expiry");
    const res = await api("/api/account/export", { method: "POST", cookie: owner.cookie });
    expect(res.status).toBe(202);
    const { id } = ((await res.json()) as { export: ExportView }).export;
    await until(async () => (await listExports(owner))[0]?.status === "ready", "ready", 15_000);
    expect(
      (await env.KNOWLEDGE.list({ prefix: `exports/${owner.accountId}/` })).objects.length,
    ).toBe(2);
    await runCronAt(Date.now() + 6 * DAY);
    expect((await listExports(owner)).map((e) => e.id)).toEqual([id]);
    await runCronAt(Date.now() + 7 * DAY + 60_000);
    expect((await env.KNOWLEDGE.list({ prefix: `exports/${owner.accountId}/` })).objects).toEqual(
      [],
    );
    expect(await listExports(owner)).toEqual([]);
    expect(
      (await api(`/api/account/exports/${id}/download`, { cookie: owner.cookie })).status,
    ).toBe(404);
  });
});
