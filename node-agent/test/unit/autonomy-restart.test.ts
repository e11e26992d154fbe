// A new autonomy restarts OpenClaw's gateway (control-relay.ts configure). Until the control
// socket has greeted the new gateway, a chat message waits (ControlRelay.settled, awaited by the
// chat relay): sent meanwhile, it met the old exec policy or was cut by the restart and ended
// empty and failed (seen in CI). A policy that does not change restarts nothing and holds nothing.
// A scripted runtime and gateway clients, no Docker.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChatRelay } from "../../employee/chat-relay.ts";
import { ControlRelay } from "../../employee/control-relay.ts";
import type { GatewayClientOptions } from "../../employee/gateway-client.ts";
import { GatewayDevices } from "../../employee/gateway-devices.ts";
import { RunHandle } from "../../employee/gateway-run.ts";
import { execPolicy } from "../../employee/openclaw-config.ts";
import { ScheduleState } from "../../employee/schedule-state.ts";
import { createLogger } from "../../logger.ts";
import type { ReadResult } from "../../runtime/tar.ts";

const log = createLogger("silent");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function harness() {
  const dir = mkdtempSync(path.join(tmpdir(), "iw-autonomy-"));
  dirs.push(dir);
  // openclaw.json as the employee has it: "ask" until configure writes another policy.
  let config = JSON.stringify({
    tools: { exec: execPolicy("ask") },
    gateway: { auth: { trustedProxy: { allowUsers: ["acct-1"] } } },
  });
  const runtime = {
    endpoint: async () => ({ host: "10.0.0.2", port: 18789 }),
    readFiles: async (_id: string, rel: string): Promise<ReadResult> => {
      const content = Buffer.from(config);
      return {
        entries: [
          { path: rel, type: "file", size: content.length, mtimeMs: 0, content, truncated: false },
        ],
        truncated: false,
      };
    },
    writeFiles: async () => undefined,
    watch: () => () => undefined,
  };
  const order: string[] = [];
  let hello: (() => void) | undefined;
  const control = new ControlRelay({
    runtime,
    devices: new GatewayDevices(dir),
    state: new ScheduleState(dir),
    send: () => undefined,
    log,
    client: (opts: GatewayClientOptions) => {
      hello = () => opts.onOpen?.();
      return {
        connect: async () => {
          opts.onOpen?.();
          return {} as never;
        },
        request: async (method: string) => {
          order.push(method);
          return method.endsWith(".list") ? [] : { ok: true };
        },
        close: async () => undefined,
      };
    },
  });
  const chat = new ChatRelay({
    runtime,
    devices: new GatewayDevices(dir),
    attachments: { deliver: async () => ({ paths: [], images: [] }) },
    send: () => undefined,
    log,
    settled: (employeeId) => control.settled(employeeId),
    client: () => ({
      connect: async () => ({}) as never,
      send: async (sessionKey: string, _text: string, o: { idempotencyKey: string }) => {
        order.push("chat.send");
        return new RunHandle(o.idempotencyKey, sessionKey);
      },
      abort: async () => ({ aborted: true, runIds: [] }),
      close: async () => undefined,
    }),
  });
  const write = (autonomy: "ask" | "autonomous") => async () => {
    config = JSON.stringify({ ...JSON.parse(config), tools: { exec: execPolicy(autonomy) } });
    order.push("write");
  };
  const message = (runId: string) =>
    chat.send({
      type: "chat.send",
      id: runId,
      employeeId: "e1",
      sessionKey: "agent:main:web:s1",
      runId,
      text: "run it",
      attachments: [],
    });
  // The new gateway's hello on the control socket, as after OpenClaw's restart.
  const restarted = () => hello?.();
  return { control, chat, order, write, message, restarted };
}

describe("a message while OpenClaw restarts for a new autonomy", () => {
  it("waits until the control socket greets the restarted gateway, then goes", async () => {
    const h = harness();
    h.control.ensure("e1");
    await tick();
    const configured = h.control.configure("e1", "autonomous", h.write("autonomous"));
    await tick();
    const sent = h.message("run-1");
    await tick(300); // a few of configure's polls: OpenClaw is still restarting
    expect(h.order).toContain("write");
    expect(h.order).toContain("gateway.restart.request");
    expect(h.order).not.toContain("chat.send");
    h.restarted();
    await configured;
    await sent;
    expect(h.order.indexOf("chat.send")).toBeGreaterThan(
      h.order.indexOf("gateway.restart.request"),
    );
    await h.chat.close();
    await h.control.close();
  });

  it("holds nothing when the policy does not change (no restart)", async () => {
    const h = harness();
    h.control.ensure("e1");
    await tick();
    await h.control.configure("e1", "ask", h.write("ask"));
    await h.message("run-2");
    expect(h.order).toContain("chat.send");
    expect(h.order).not.toContain("gateway.restart.request");
    await h.chat.close();
    await h.control.close();
  });
});
