import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";

// What isolates a node's employees (gVisor or not) is what the agent says in its hello; the
// operator reads it from D1 (`npm run node:token -- list`).
describe("the runtime a node reports", () => {
  const runtimeOf = async (id: string) =>
    (await env.DB.prepare("SELECT runtime FROM nodes WHERE id = ?").bind(id).first())?.runtime;

  it("is stored from the hello, and an older agent's hello leaves it unknown", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { hello: false });
    agent.send({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: "fake-2",
      capacity: { slots: 2, memoryMb: 8192 },
      inventory: [],
      runtime: "runsc",
    });
    await agent.next("welcome");
    expect(await runtimeOf(node.id)).toBe("runsc");
    agent.close();

    const older = await createNode();
    const old = await FakeAgent.connect(older.token);
    expect(await runtimeOf(older.id)).toBeNull();
    old.close();
  });

  it("refuses a hello whose runtime is not a plain name", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { hello: false });
    agent.send({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: "fake-2",
      capacity: { slots: 2, memoryMb: 8192 },
      inventory: [],
      runtime: "<script>",
    });
    await agent.next("rejected");
    expect(await runtimeOf(node.id)).toBeNull();
    agent.close();
  });
});
