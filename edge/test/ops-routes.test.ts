// The operators' routes (/ops/...): they do not exist without OPS_TOKEN, refuse any other bearer
// token, and with the right one mark a node draining or not (nodes.draining_at).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, errorOf } from "./helpers.ts";

const OPS_TOKEN = `ops-${crypto.randomUUID()}`;
const withToken = { OPS_TOKEN };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function node(opts: { revoked?: boolean } = {}): Promise<{ id: string; name: string }> {
  const id = crypto.randomUUID();
  const name = `ops-${id.slice(0, 8)}`;
  await env.DB.prepare(
    "INSERT INTO nodes (id, name, token_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)",
  )
    .bind(id, name, crypto.randomUUID(), Date.now(), opts.revoked ? Date.now() : null)
    .run();
  return { id, name };
}

const drainingAt = async (id: string) =>
  (
    await env.DB.prepare("SELECT draining_at FROM nodes WHERE id = ?")
      .bind(id)
      .first<{ draining_at: number | null }>()
  )?.draining_at ?? null;

describe("/ops", () => {
  it("does not exist while OPS_TOKEN is unset, whatever is sent", async () => {
    const n = await node();
    for (const headers of [{}, bearer("anything"), bearer(OPS_TOKEN)]) {
      const res = await api(`/ops/nodes/${n.name}/drain`, { method: "POST", headers });
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: "not_found" });
    }
    const blank = await api(`/ops/nodes/${n.name}/drain`, {
      method: "POST",
      headers: bearer(""),
      envOverride: { OPS_TOKEN: "  " },
    });
    expect(blank.status).toBe(404);
    expect(await drainingAt(n.id)).toBeNull();
  });

  it("refuses a missing or wrong bearer token with 401 and changes nothing", async () => {
    const n = await node();
    for (const headers of [
      {},
      bearer("wrong"),
      bearer(`${OPS_TOKEN}x`),
      { authorization: OPS_TOKEN },
      { authorization: `Basic ${OPS_TOKEN}` },
    ]) {
      const res = await api(`/ops/nodes/${n.name}/drain`, {
        method: "POST",
        headers,
        envOverride: withToken,
      });
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toMatchObject({ code: "unauthorized" });
    }
    expect(await drainingAt(n.id)).toBeNull();
  });

  it("drains and undrains a node with the right token, keeping the first drain's time", async () => {
    const n = await node();
    const before = Date.now();
    const drained = await api(`/ops/nodes/${n.name}/drain`, {
      method: "POST",
      headers: bearer(OPS_TOKEN),
      envOverride: withToken,
    });
    expect(drained.status).toBe(202);
    expect(await drained.json()).toMatchObject({ node: n.name, draining: true });
    const first = await drainingAt(n.id);
    expect(first).toBeGreaterThanOrEqual(before);
    await api(`/ops/nodes/${n.name}/drain`, {
      method: "POST",
      headers: bearer(OPS_TOKEN),
      envOverride: withToken,
    });
    expect(await drainingAt(n.id)).toBe(first);

    const undrained = await api(`/ops/nodes/${n.name}/undrain`, {
      method: "POST",
      headers: bearer(OPS_TOKEN),
      envOverride: withToken,
    });
    expect(undrained.status).toBe(200);
    expect(await undrained.json()).toMatchObject({ draining: false, drainingAt: null });
    expect(await drainingAt(n.id)).toBeNull();
  });

  it("answers 404 for an unknown, revoked or malformed node name", async () => {
    const revoked = await node({ revoked: true });
    for (const name of ["no-such-node", revoked.name, "Bad_Name", "x".repeat(80)]) {
      const res = await api(`/ops/nodes/${name}/drain`, {
        method: "POST",
        headers: bearer(OPS_TOKEN),
        envOverride: withToken,
      });
      expect(res.status).toBe(404);
    }
    expect(await drainingAt(revoked.id)).toBeNull();
  });
});
