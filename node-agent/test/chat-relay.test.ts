import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentFrame, ChatAttachmentRef, EmployeeSpec } from "../../edge/protocol/frames.ts";
import { ChatAttachments } from "../employee/chat-attachments.ts";
import { ChatRelay } from "../employee/chat-relay.ts";
import { GatewayClient } from "../employee/gateway-client.ts";
import { GatewayDevices } from "../employee/gateway-devices.ts";
import { GATEWAY_PORT, WORKSPACE_DIR } from "../employee/openclaw-config.ts";
import { createLogger } from "../logger.ts";
import { type DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { docker } from "./docker-cli.ts";
import { type Frame, type RealNode, startRealNode } from "./real-employee-node.ts";

// The workspace chat through the agent, end to end on this node: a loopback stand-in of the edge
// (its /agent/connect frames and its /agent/chat-attachments files) sends chat.send and
// chat.abort over the agent's real hub connection; the agent's chat relay talks to the real
// employee image's OpenClaw, whose model is the development model behind the agent's real LLM
// relay. Streaming, the end, stopping, a file that lands in uploads/, a resend that makes no
// second answer, and a tool step in plain words. Prints the latency to the first progress frame
// and to the final one.

const PREFIX = `chat${process.pid}-`;
const NODE_TOKEN = "iwn_chat_test_token_0000000000000000";
const log = createLogger(process.env.LOG_LEVEL ?? "warn");
const spec: EmployeeSpec = {
  employeeId: `${PREFIX}1`,
  accountId: "account-1",
  name: "Ada",
  role: "researcher",
  tone: "concise",
  skills: [],
};
const word = () => randomUUID().slice(0, 8);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

type Progress = Extract<AgentFrame, { type: "chat.progress" }>;
let node: RealNode;
let runtime: DockerRuntime;
let stateDir: string;
let frames: Frame[] = [];
// What the edge stand-in serves at /agent/chat-attachments/:id, and who asked.
const files = new Map<string, Buffer>();
const fileAsks: { id: string; auth: string | undefined }[] = [];

const until = <T>(what: string, probe: () => T, timeoutMs = 60_000) =>
  node.until(what, probe, timeoutMs);

const progressOf = (runId: string) =>
  frames.filter((f) => f.type === "chat.progress" && f.runId === runId) as unknown as (Progress & {
    at: number;
  })[];
const endOf = (runId: string) => progressOf(runId).find((f) => f.state !== "streaming");

async function command(frame: Record<string, unknown>, timeoutMs = 90_000) {
  const sent = Date.now();
  node.toAgent(frame);
  const result = await until(
    `a result for ${String(frame.id)}`,
    () => frames.find((f) => f.type === "result" && f.id === frame.id),
    timeoutMs,
  );
  return { result, sent };
}

const send = (
  text: string,
  opts: { runId?: string; attachments?: ChatAttachmentRef[]; sessionKey?: string } = {},
) => {
  const runId = opts.runId ?? `run-${word()}`;
  return {
    runId,
    ...{
      done: command({
        type: "chat.send",
        id: `cmd-${word()}`,
        employeeId: spec.employeeId,
        sessionKey: opts.sessionKey ?? session,
        runId,
        text,
        attachments: opts.attachments ?? [],
      }),
    },
  };
};
const session = `agent:main:web:${randomUUID()}`;

function serveFile(name: string, content: Buffer, contentType = "text/plain"): ChatAttachmentRef {
  const id = `att-${word()}`;
  files.set(id, content);
  return { id, name, size: content.length, sha256: sha(content), contentType };
}

beforeAll(async () => {
  node = await startRealNode({
    name: "chat",
    prefix: PREFIX,
    spec,
    nodeToken: NODE_TOKEN,
    // The edge's attachments' bytes, for the node token only.
    edgeHttp: (req, res) => {
      const match = /^\/agent\/chat-attachments\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
      const id = match?.[1] ?? "";
      fileAsks.push({ id, auth: req.headers.authorization });
      const content = files.get(id);
      if (req.headers.authorization !== `Bearer ${NODE_TOKEN}` || !content)
        return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(content);
    },
    // The agent as main.ts wires it.
    relays: (n) => ({
      chat: new ChatRelay({
        runtime: n.runtime,
        devices: new GatewayDevices(n.stateDir),
        attachments: new ChatAttachments({
          runtime: n.runtime,
          edgeUrl: n.edgeUrl,
          nodeToken: n.nodeToken,
          log: n.log,
        }),
        send: n.send,
        log: n.log,
      }),
    }),
  });
  runtime = node.runtime;
  stateDir = node.stateDir;
  frames = node.frames;
}, READY_TIMEOUT_MS.runc + 900_000);

afterAll(async () => {
  await node?.stop();
});

describe("the workspace chat through the agent", () => {
  let first = "";
  let firstText = "";

  it("takes a message and streams the development model's answer to its end", async () => {
    firstText = `hello-${word()}`;
    const { runId, done } = send(firstText);
    first = runId;
    const { result, sent } = await done;
    expect(result).toMatchObject({ ok: true });
    const end = await until("the end of the answer", () => endOf(runId));
    const progress = progressOf(runId);
    console.log(
      `[chat] "${firstText}" (first, connecting): first progress ${progress[0] ? progress[0].at - sent : "none"} ms, final ${end.at - sent} ms (${progress.length} frames)`,
    );
    expect(end).toMatchObject({ state: "final", truncated: false, employeeId: spec.employeeId });
    expect(end.text).toContain(`You said: ${firstText}`);
    expect(end.error).toBeUndefined();
    // Once connected: a second message in a new conversation.
    const warmText = `hello-${word()}`;
    const warm = send(warmText, { sessionKey: `agent:main:web:${randomUUID()}` });
    const w = await warm.done;
    const warmEnd = await until("the second answer", () => endOf(warm.runId));
    const warmProgress = progressOf(warm.runId);
    console.log(
      `[chat] "${warmText}" (connected): first progress ${(warmProgress[0]?.at ?? 0) - w.sent} ms, final ${warmEnd.at - w.sent} ms (${warmProgress.length} frames)`,
    );
    expect(warmEnd.text).toContain(`You said: ${warmText}`);
  });

  it("makes no second answer for a chat.send repeated with the same run id", async () => {
    const before = progressOf(first).length;
    const again = send(firstText, { runId: first });
    expect((await again.done).result).toMatchObject({ ok: true });
    // The agent remembers how the run ended and says it again: the same end, no new stream.
    await until("the repeated end", () => progressOf(first).length > before);
    const repeated = progressOf(first).slice(before);
    expect(repeated.every((f) => f.state === "final")).toBe(true);
    expect(repeated[0]?.text).toBe(endOf(first)?.text);
    // An agent that forgot (restarted) sends it again: OpenClaw dedupes by the run id.
    const fresh = new ChatRelay({
      runtime,
      devices: new GatewayDevices(stateDir),
      attachments: { deliver: async () => ({ paths: [], images: [] }) },
      send: (f) => frames.push({ ...f, at: Date.now(), fresh: true }),
      log,
    });
    try {
      await fresh.send({
        type: "chat.send",
        id: "again",
        employeeId: spec.employeeId,
        sessionKey: session,
        runId: first,
        text: firstText,
        attachments: [],
      });
      const recovered = await until("the recovered end", () =>
        frames.find((f) => f.fresh === true && f.runId === first && f.state !== "streaming"),
      );
      expect(recovered).toMatchObject({ state: "final" });
      expect(String(recovered.text)).toContain(`You said: ${firstText}`);
    } finally {
      await fresh.close();
    }
    const reader = new GatewayClient({
      employeeId: spec.employeeId,
      accountId: spec.accountId,
      endpoint: () => runtime.endpoint(spec.employeeId, GATEWAY_PORT),
      devices: new GatewayDevices(path.join(stateDir, "reader")),
      log,
    });
    try {
      await reader.connect(60_000);
      const page = await reader.history(session, { limit: 50 });
      console.log(
        `[chat] history rows marked with their run: ${page.messages.filter((m) => m.runId).length} of ${page.messages.length}`,
      );
      const asked = page.messages.filter((m) => m.role === "user" && m.text.includes(firstText));
      const answered = page.messages.filter(
        (m) => m.role === "assistant" && m.text.includes(`You said: ${firstText}`),
      );
      expect(asked).toHaveLength(1);
      expect(answered).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });

  it("streams a long answer as throttled whole-text frames, the final one last", async () => {
    const { runId, done } = send("!slow 40");
    const { result, sent } = await done;
    expect(result).toMatchObject({ ok: true });
    const end = await until("the end of the slow answer", () => endOf(runId));
    const progress = progressOf(runId);
    const streaming = progress.filter((f) => f.state === "streaming");
    const spanMs = end.at - (streaming[0]?.at ?? end.at);
    console.log(
      `[chat] !slow 40: first progress ${(streaming[0]?.at ?? end.at) - sent} ms, final ${end.at - sent} ms, ${streaming.length} streaming frames over ${spanMs} ms`,
    );
    expect(streaming.length).toBeGreaterThanOrEqual(2);
    // ~4 a second: never more than one per 250 ms (and one at the start).
    expect(streaming.length).toBeLessThanOrEqual(Math.floor(spanMs / 250) + 2);
    for (let i = 1; i < streaming.length; i++)
      expect(streaming[i]?.text.startsWith(streaming[i - 1]?.text ?? "")).toBe(true);
    expect(progress.at(-1)).toBe(end);
    expect(end).toMatchObject({ state: "final" });
    expect(end.text).toContain("w40");
  });

  it("delivers an attachment into uploads/ and mentions it in the message", async () => {
    const content = Buffer.from(`quarterly numbers ${word()}\n`);
    const ref = serveFile("report.txt", content);
    const { runId, done } = send("please read this", { attachments: [ref] });
    expect((await done).result).toMatchObject({ ok: true });
    expect(fileAsks.find((a) => a.id === ref.id)?.auth).toBe(`Bearer ${NODE_TOKEN}`);
    const end = await until("the answer", () => endOf(runId));
    // The development model repeats the message's last paragraph: the line naming the file.
    expect(end.text).toContain("[Attached file: uploads/report.txt]");
    const [landed] = (
      await runtime.readFiles(spec.employeeId, `${WORKSPACE_DIR}/uploads/report.txt`)
    ).entries;
    expect(landed?.content.toString()).toBe(content.toString());
    // Another file of the same name does not replace it.
    const other = serveFile("report.txt", Buffer.from("other bytes\n"));
    const second = send("and this", { attachments: [other] });
    expect((await second.done).result).toMatchObject({ ok: true });
    expect((await until("the answer", () => endOf(second.runId))).text).toContain(
      "uploads/report-2.txt",
    );
    const [kept] = (await runtime.readFiles(spec.employeeId, `${WORKSPACE_DIR}/uploads/report.txt`))
      .entries;
    expect(kept?.content.toString()).toBe(content.toString());
  });

  it("replaces a link the employee planted at uploads/ instead of writing through it", async () => {
    const container = `iw-employee-${spec.employeeId}`;
    docker(
      "exec",
      "-u",
      "1000",
      container,
      "sh",
      "-c",
      "rm -rf /data/workspace/uploads && ln -s /data/openclaw /data/workspace/uploads",
    );
    const ref = serveFile("planted.txt", Buffer.from(`through the link? ${word()}\n`));
    const { runId, done } = send("one more", { attachments: [ref] });
    expect((await done).result).toMatchObject({ ok: true });
    await until("the answer", () => endOf(runId));
    const shell = (script: string) =>
      docker("exec", "-u", "1000", container, "sh", "-c", script).trim();
    expect(
      shell("test -e /data/openclaw/planted.txt && echo written-through || echo kept-out"),
    ).toBe("kept-out");
    expect(shell("test -L /data/workspace/uploads && echo link || echo folder")).toBe("folder");
    expect(shell("cat /data/workspace/uploads/planted.txt")).toContain("through the link?");
  });

  it("refuses a damaged attachment as attachment_failed, without a run", async () => {
    const ref = { ...serveFile("bad.txt", Buffer.from("bytes")), sha256: "0".repeat(64) };
    const { runId, done } = send("broken", { attachments: [ref] });
    const { result } = await done;
    expect(result).toMatchObject({ ok: false, error: { code: "attachment_failed" } });
    await new Promise((r) => setTimeout(r, 500));
    expect(progressOf(runId)).toEqual([]);
  });

  it("shows a tool call as a step in plain words", async () => {
    const { runId, done } = send('!tool read {"path":"IDENTITY.md"}');
    expect((await done).result).toMatchObject({ ok: true });
    const end = await until("the answer", () => endOf(runId));
    console.log(`[chat] tool steps: ${JSON.stringify(end.tools)}`);
    expect(end.state).toBe("final");
    expect(end.text).toMatch(/tool read returned: .*Ada/);
    expect(end.tools).toContainEqual(
      expect.objectContaining({ kind: "file", summary: "Read IDENTITY.md", status: "done" }),
    );
  });

  it("answers not_running, retryable, for an employee that is not running here", async () => {
    const { result } = await command({
      type: "chat.send",
      id: `cmd-${word()}`,
      employeeId: `${PREFIX}absent`,
      sessionKey: session,
      runId: `run-${word()}`,
      text: "hello",
      attachments: [],
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "not_running", retryable: true },
    });
  });

  it("stops a long answer with chat.abort", async () => {
    const { runId, done } = send("!slow 3000");
    expect((await done).result).toMatchObject({ ok: true });
    await until("some of the slow answer", () =>
      progressOf(runId).find((f) => f.state === "streaming" && f.text.includes("w3")),
    );
    const stopped = Date.now();
    const { result } = await command({
      type: "chat.abort",
      id: `abort-${word()}`,
      employeeId: spec.employeeId,
      sessionKey: session,
      runId,
    });
    expect(result).toMatchObject({ ok: true });
    const end = await until("the aborted end", () => endOf(runId));
    console.log(`[chat] stop: aborted end ${end.at - stopped} ms after chat.abort`);
    expect(end.state).toBe("aborted");
    expect(end.text).toContain("w3");
    expect(end.text).not.toContain("w2000");
    // The employee is free at once: a message in another conversation is answered. (In the same
    // conversation the development model would answer the stopped `!slow` again: the stopped
    // partial answer is not a turn of the model's context, so it sees both commands.)
    const next = send(`after-stop-${word()}`, { sessionKey: `agent:main:web:${randomUUID()}` });
    const { sent } = await next.done;
    const nextEnd = await until("the answer after the stop", () => endOf(next.runId), 60_000);
    console.log(`[chat] a message after a stop (new conversation): final ${nextEnd.at - sent} ms`);
    expect(nextEnd.text).toContain("You said: after-stop-");
  }, 120_000);
});
