import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChatMessage,
  DEV_MODEL_PREFIX,
  devModelAnswer,
  RESULT_PREVIEW_CHARS,
  SLOW_MAX_WORDS,
  SLOW_WORD_MS,
} from "../stand-ins/dev-model.ts";
import { type DevModel, startDevModel } from "../stand-ins/dev-model-server.ts";

const user = (content: unknown): ChatMessage => ({ role: "user", content });
const system: ChatMessage = { role: "system", content: "You are Ada. !tool exec {} is not you." };

describe("the development model's script", () => {
  it("calls the tool a message names, with its JSON arguments", () => {
    expect(devModelAnswer([system, user('!tool read {"path": "IDENTITY.md"}')])).toEqual({
      kind: "tool",
      name: "read",
      arguments: '{"path":"IDENTITY.md"}',
    });
    // A client's envelope before the message, text after the object, arguments left out.
    expect(
      devModelAnswer([
        user('[Wed 2026-12-02 10:00 UTC] !tool web_fetch {"url":"http://x/"}\n\n(id 7)'),
      ]),
    ).toEqual({ kind: "tool", name: "web_fetch", arguments: '{"url":"http://x/"}' });
    expect(devModelAnswer([user([{ type: "text", text: "!tool session_status" }])])).toEqual({
      kind: "tool",
      name: "session_status",
      arguments: "{}",
    });
  });

  // What OpenClaw 2026.9.6 sends (seen in employee-e2e.test.ts): its envelope before the
  // person's message, and a user turn of its own context after it and after a tool's result.
  const envelope =
    '[Wed 2026-12-02 07:00 UTC] Conversation info: ⟦openclaw:ctx⟧\n```json\n{"sender":{"id":"u1"}}\n```\n\n';
  const context = user([
    {
      type: "text",
      text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nnone\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>",
    },
  ]);
  it("reads a chat client's envelope and the context it adds after the person's message", () => {
    const asked = [system, user(`${envelope}!tool read {"path":"IDENTITY.md"}`), context];
    expect(devModelAnswer(asked)).toEqual({
      kind: "tool",
      name: "read",
      arguments: '{"path":"IDENTITY.md"}',
    });
    const answered: ChatMessage[] = [
      ...asked,
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "calldev5", type: "function", function: { name: "read", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "calldev5", content: "# Identity\n\n- Name: Ada\n" },
      context,
    ];
    expect(devModelAnswer(answered)).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} tool read returned: # Identity - Name: Ada`,
    });
    expect(devModelAnswer([system, user(`${envelope}Hello Ada`), context])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: Hello Ada`,
    });
  });

  // A session's first message, as `npm run dev` showed it: OpenClaw's system prompt arrives as a
  // user turn before the person's, ending in its Runtime line, which the echo once repeated.
  it("echoes what the person typed, never OpenClaw's system prompt or runtime line", () => {
    const prompt = user(
      "You are a personal assistant running inside OpenClaw.\n\n## Runtime\nRuntime: agent=main | session=agent:main:main | host=x\nReasoning: off (hidden unless on/stream).",
    );
    expect(devModelAnswer([prompt, user(`${envelope}Good morning`), context])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: Good morning`,
    });
    const trailing = user(`${envelope}Good evening\n\nRuntime: agent=main | session=s1`);
    expect(devModelAnswer([system, trailing])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: Good evening`,
    });
  });

  it("answers `!slow N` with N numbered words, paced, so a chat has time to stop it", () => {
    expect(devModelAnswer([system, user(`${envelope}!slow 3`), context])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} slow: w1 w2 w3`,
      paceMs: SLOW_WORD_MS,
    });
    const many = devModelAnswer([user("!slow 999999")]);
    expect(many.kind === "text" && many.text.split(" ").length).toBe(SLOW_MAX_WORDS + 3);
    // Only as a command of its own: in a sentence it is echoed.
    expect(devModelAnswer([user("say !slow 3")])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: say !slow 3`,
    });
  });

  it("says what is wrong with arguments that are not a JSON object", () => {
    const answer = devModelAnswer([user("!tool read {path: IDENTITY.md}")]);
    expect(answer.kind).toBe("text");
    expect(answer.kind === "text" && answer.text).toMatch(
      /^\[development model\] !tool read: the arguments are not a JSON object/,
    );
  });

  it("answers a tool's result with the start of it, naming the tool", () => {
    const long = `first line\n${"x".repeat(400)}`;
    const messages: ChatMessage[] = [
      system,
      user("!tool read {}"),
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "read", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: long },
    ];
    const answer = devModelAnswer(messages);
    expect(answer).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} tool read returned: first line ${"x".repeat(RESULT_PREVIEW_CHARS - 11)}…`,
    });
  });

  it("echoes anything else, once a command was answered too", () => {
    expect(devModelAnswer([system, user("Hello   there")])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: Hello there`,
    });
    const after: ChatMessage[] = [
      user("!tool read {}"),
      { role: "assistant", tool_calls: [{ id: "c1", function: { name: "read" } }] },
      { role: "tool", tool_call_id: "c1", content: "ok" },
      { role: "assistant", content: "[development model] tool read returned: ok" },
      user("thanks"),
    ];
    expect(devModelAnswer(after)).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: thanks`,
    });
    // The edge tests' steering words mean nothing to it.
    expect(devModelAnswer([user("tokens:5")])).toEqual({
      kind: "text",
      text: `${DEV_MODEL_PREFIX} You said: tokens:5`,
    });
  });
});

interface Chunk {
  choices: {
    delta: {
      content?: string;
      tool_calls?: {
        index: number;
        id?: string;
        type?: string;
        function: Record<string, string>;
      }[];
    };
    finish_reason: string | null;
  }[];
  usage?: { completion_tokens: number };
}

describe("the development model on loopback, in OpenAI's formats", () => {
  let model: DevModel;
  beforeAll(async () => {
    model = await startDevModel();
  });
  afterAll(() => model.close());

  const chat = (body: Record<string, unknown>, key = model.key) =>
    fetch(`${model.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", ...body }),
    });
  const tools = [{ type: "function", function: { name: "read", parameters: { type: "object" } } }];

  it("answers a call as JSON: tool_calls, no text, finish_reason tool_calls", async () => {
    const res = await chat({ messages: [user('!tool read {"path":"a.md"}')], tools });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      choices: { message: Record<string, unknown>; finish_reason: string }[];
    };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message).toMatchObject({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: expect.stringMatching(/^call_/),
          type: "function",
          function: { name: "read", arguments: '{"path":"a.md"}' },
        },
      ],
    });
  });

  async function stream(body: Record<string, unknown>): Promise<Chunk[]> {
    const res = await chat({ ...body, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    return events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")) as Chunk);
  }

  it("streams a call: named in the first delta, arguments in pieces", async () => {
    const chunks = await stream({
      messages: [user('!tool read {"path":"a long path/to/some file.md"}')],
      tools,
    });
    const calls = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "read" } });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c) => c.function.arguments ?? "").join("")).toBe(
      '{"path":"a long path/to/some file.md"}',
    );
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).at(-1)).toBe(
      "tool_calls",
    );
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(calls.length);
  });

  it("streams `!slow N` a word at a time, SLOW_WORD_MS apart", async () => {
    const started = Date.now();
    const chunks = await stream({ messages: [user("!slow 10")] });
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).join("");
    expect(text).toBe(`${DEV_MODEL_PREFIX} slow: w1 w2 w3 w4 w5 w6 w7 w8 w9 w10`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(12 * SLOW_WORD_MS);
  });

  it("streams text that says where it comes from", async () => {
    const chunks = await stream({ messages: [user("ping-abc")] });
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).join("");
    expect(text).toBe(`${DEV_MODEL_PREFIX} You said: ping-abc`);
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).at(-1)).toBe("stop");
  });

  it("refuses a wrong key and a body that is not JSON, as OpenAI does", async () => {
    expect((await chat({ messages: [user("hi")] }, "sk-wrong")).status).toBe(401);
    const bad = await fetch(`${model.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${model.key}`, "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe(
      "invalid_request_error",
    );
  });
});
