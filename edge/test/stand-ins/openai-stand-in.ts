import type { IncomingMessage, ServerResponse } from "node:http";

// OpenAI's POST /v1/chat/completions as a loopback stand-in: JSON answers, SSE streams of
// chat.completion.chunk events, the usage chunk when stream_options.include_usage is set, and
// OpenAI's error bodies. Deterministic output (fixed ids, one token per chunk) so tests can
// compare bytes. The last user message steers it: "fail-<model>" answers 500 for that upstream
// model, "slow-<model>" delays its headers, "long" streams slowly and notes a client that leaves,
// "tokens:N" answers with N tokens at once, "tokens:N@Pms" one every P ms, like a real model.
export const OPENAI_KEY = "sk-stand-in";
let lastRequest: unknown = null;
let aborted = 0;

type Msg = { role: string; content?: unknown };
// The text of the user turns, newest first, whether content is a string or OpenAI's array of
// parts (OpenClaw adds turns of its own context after what the person typed).
function lastText(messages: Msg[]): string {
  const text = (content: unknown) =>
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content
            .map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : ""))
            .join(" ")
        : "";
  return messages
    .filter((m) => m.role === "user")
    .map((m) => text(m.content))
    .reverse()
    .join("\n");
}
const words = (s: unknown) => (typeof s === "string" ? s.split(/\s+/).filter(Boolean).length : 0);

export async function handleOpenAi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<boolean> {
  if (req.method === "GET" && url.pathname === "/openai/_test/last") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ lastRequest, aborted }));
    return true;
  }
  if (!(req.method === "POST" && url.pathname === "/openai/v1/chat/completions")) return false;
  if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: "Incorrect API key provided",
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      }),
    );
    return true;
  }
  const request = JSON.parse(body) as {
    model: string;
    messages: Msg[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  lastRequest = request;
  const last = String(request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
  if (last === `fail-${request.model}`) {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: "The server had an error while processing your request.",
          type: "server_error",
          param: null,
          code: null,
        },
      }),
    );
    return true;
  }
  if (last === `slow-${request.model}`) await new Promise((r) => setTimeout(r, 3_000));
  const promptTokens =
    request.messages.reduce((n, m) => n + words(m.content), 0) + 3 * request.messages.length;
  const paced = /^tokens:(\d+)@(\d+)ms$/.exec(last);
  const count = /^tokens:(\d+)$/.exec(last)?.[1] ?? paced?.[1];
  const paceMs = paced?.[2] ? Number(paced[2]) : 0;
  // "ping-<word>" anywhere in the last user turn (OpenClaw wraps what a person typed) is answered
  // "pong-<word>", so an end-to-end chat can recognise its own answer.
  const ping = /ping-([A-Za-z0-9]+)/.exec(lastText(request.messages))?.[1];
  const long = last === "long";
  const n = count ? Number(count) : long ? 400 : 12;
  const pieces = ping ? ["pong-", ping] : Array.from({ length: n }, (_, i) => `t${i} `);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: pieces.length,
    total_tokens: promptTokens + pieces.length,
  };
  const base = {
    id: "chatcmpl-standin",
    created: 1700000000,
    model: request.model,
    system_fingerprint: "fp_standin",
  };

  if (!request.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: pieces.join(""), refusal: null },
            logprobs: null,
            finish_reason: "stop",
          },
        ],
        usage,
      }),
    );
    return true;
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  let closed = false;
  res.on("close", () => {
    if (!res.writableEnded) {
      closed = true;
      aborted++;
    }
  });
  const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  send({
    ...base,
    object: "chat.completion.chunk",
    choices: [
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ],
  });
  for (const piece of pieces) {
    if (closed) return true;
    send({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }],
    });
    if (long) await new Promise((r) => setTimeout(r, 20));
    else if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
  }
  send({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }],
  });
  if (request.stream_options?.include_usage)
    send({ ...base, object: "chat.completion.chunk", choices: [], usage });
  res.end("data: [DONE]\n\n");
  return true;
}
