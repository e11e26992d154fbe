import type { IncomingMessage, ServerResponse } from "node:http";
import { type ChatMessage, devModelAnswer, textOf } from "./dev-model.ts";

// OpenAI's POST /v1/chat/completions as a loopback stand-in: JSON answers, SSE streams of
// chat.completion.chunk events, the usage chunk when stream_options.include_usage is set, and
// OpenAI's error bodies. Deterministic output (fixed ids, one token per chunk) so tests can
// compare bytes. Like OpenAI it answers `n` choices, stops an answer at max_tokens /
// max_completion_tokens (finish_reason "length"), and counts the whole prompt (messages, tool
// calls and results, the tools' schemas). The last user message steers it: "fail-<model>"
// answers 500 for that upstream model, "slow-<model>" delays its headers, "long" streams slowly
// and notes a client that leaves, "tokens:N" answers with N tokens at once, "tokens:N@Pms" one
// every P ms, like a real model; "agent:N" (or "agent:N@Pms") answers like a reasoning agent:
// a quarter reasoning (alternating `reasoning_content` and `reasoning`, the two names providers
// use), a quarter text, the rest one tool call's arguments; "reject" is refused with a 400 whose
// body names keys and links, as OpenAI's errors do. In "development" mode none of that steers it:
// it answers as the development model (dev-model.ts), in the same wire formats.
export type OpenAiMode = "test" | "development";
export const OPENAI_KEY = "sk-stand-in";
let lastRequest: unknown = null;
let aborted = 0;
// Chunks an unpaced stream writes before it lets the event loop serve other requests.
const UNPACED_BURST = 256;
// Requests per upstream model, so a test can tell which models were really called.
const calls: Record<string, number> = {};

interface ChatBody {
  model: string;
  messages: ChatMessage[];
  tools?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  n?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}

// The text of the user turns, newest first, whether content is a string or OpenAI's array of
// parts (OpenClaw adds turns of its own context after what the person typed).
function lastText(messages: ChatMessage[]): string {
  return messages
    .filter((m) => m.role === "user")
    .map((m) => textOf(m.content))
    .reverse()
    .join("\n");
}
// About what a BPE tokenizer makes of text: runs of letters and digits, and every other
// non-space character on its own.
const tokensIn = (s: string) => s.match(/[A-Za-z0-9]+|[^\sA-Za-z0-9]/gu)?.length ?? 0;
function promptTokens(request: ChatBody): number {
  let n = request.tools?.length ? tokensIn(JSON.stringify(request.tools)) : 0;
  for (const m of request.messages) {
    n += 3 + tokensIn(textOf(m.content));
    if (m.tool_calls) n += tokensIn(JSON.stringify(m.tool_calls));
    if (typeof m.tool_call_id === "string") n += tokensIn(m.tool_call_id);
  }
  return n;
}

// One generated token, and what a stream's delta carries for it.
type Piece = {
  delta: Record<string, unknown>;
  text: string;
  kind: "content" | "reasoning" | "tool";
};
const content = (text: string): Piece => ({ delta: { content: text }, text, kind: "content" });
// A call's first delta names it; the ones after carry its arguments.
const toolDelta = (fn: Record<string, unknown>, id?: string) => ({
  tool_calls: [{ index: 0, ...(id ? { id, type: "function" } : {}), function: fn }],
});
const AGENT_TOOL = { id: "call_standin", name: "search" };

function agentPieces(n: number): Piece[] {
  const quarter = Math.floor(n / 4);
  const reasoning = Array.from({ length: quarter }, (_, i): Piece => {
    const text = `r${i} `;
    return {
      delta: { [i % 2 ? "reasoning" : "reasoning_content"]: text },
      text,
      kind: "reasoning",
    };
  });
  const answer = Array.from({ length: quarter }, (_, i) => content(`c${i} `));
  const args = Array.from({ length: Math.max(0, n - 2 * quarter - 1) }, (_, i) => `a${i} `);
  return [...reasoning, ...answer, ...toolPieces(AGENT_TOOL.id, AGENT_TOOL.name, args)];
}

function toolPieces(id: string, name: string, args: string[]): Piece[] {
  return [
    { delta: toolDelta({ name, arguments: "" }, id), text: "", kind: "tool" },
    ...args.map((a): Piece => ({ delta: toolDelta({ arguments: a }), text: a, kind: "tool" })),
  ];
}

// What to answer: the tokens, the call they make (if any), how fast.
interface Script {
  pieces: Piece[];
  tool?: { id: string; name: string };
  paceMs: number;
  long: boolean;
}

// The development model's answer as tokens: words with the space before them, a call's
// arguments in pieces of a few characters, as providers stream them.
const ARGUMENT_PIECE_CHARS = 8;
function devScript(messages: ChatMessage[]): Script {
  const answer = devModelAnswer(messages);
  if (answer.kind === "text")
    return {
      pieces: (answer.text.match(/\s*\S+/g) ?? []).map(content),
      paceMs: answer.paceMs ?? 0,
      long: false,
    };
  // One id per position in the conversation: OpenClaw pairs results with calls by id.
  const tool = { id: `call_dev_${messages.length}`, name: answer.name };
  const args: string[] = [];
  for (let i = 0; i < answer.arguments.length; i += ARGUMENT_PIECE_CHARS)
    args.push(answer.arguments.slice(i, i + ARGUMENT_PIECE_CHARS));
  return { pieces: toolPieces(tool.id, tool.name, args), tool, paceMs: 0, long: false };
}

function sendError(
  res: ServerResponse,
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ error: { param: null, code: null, ...error } }));
}

// Test mode: the last user turn steers the answer (see the top); undefined when it was answered
// with an error already.
async function steer(request: ChatBody, res: ServerResponse): Promise<Script | undefined> {
  const last = String(request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
  if (last === `fail-${request.model}`) {
    sendError(res, 500, {
      message: "The server had an error while processing your request.",
      type: "server_error",
    });
    return undefined;
  }
  if (last === "reject") {
    sendError(
      res,
      400,
      {
        message:
          "This model's maximum context length is 128000 tokens.\nHowever, your messages resulted in 130001 tokens (key sk-proj-Abc123Def456Ghi789 of org-StandInOrganisation). See https://platform.openai.com/docs/guides/error-codes for details.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
      { "openai-organization": "org-StandInOrganisation", "x-request-id": "req_standin" },
    );
    return undefined;
  }
  if (last === `slow-${request.model}`) await new Promise((r) => setTimeout(r, 3_000));
  const paced = /^(tokens|agent):(\d+)@(\d+)ms$/.exec(last);
  const sized = /^(tokens|agent):(\d+)$/.exec(last) ?? paced;
  const paceMs = paced?.[3] ? Number(paced[3]) : 0;
  // "ping-<word>" anywhere in the last user turn (OpenClaw wraps what a person typed) is answered
  // "pong-<word>", so an end-to-end chat can recognise its own answer.
  const ping = /ping-([A-Za-z0-9]+)/.exec(lastText(request.messages))?.[1];
  const long = last === "long";
  const n = sized?.[2] ? Number(sized[2]) : long ? 400 : 12;
  const pieces: Piece[] = ping
    ? [content("pong-"), content(ping)]
    : sized?.[1] === "agent"
      ? agentPieces(n)
      : Array.from({ length: n }, (_, i) => content(`t${i} `));
  return { pieces, paceMs, long };
}

export async function handleOpenAi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
  mode: OpenAiMode = "test",
): Promise<boolean> {
  if (req.method === "GET" && url.pathname === "/openai/_test/last") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ lastRequest, aborted, calls }));
    return true;
  }
  if (!(req.method === "POST" && url.pathname === "/openai/v1/chat/completions")) return false;
  if (req.headers.authorization !== `Bearer ${OPENAI_KEY}`) {
    sendError(res, 401, {
      message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7, 12)}***. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: "invalid_request_error",
      code: "invalid_api_key",
    });
    return true;
  }
  const request = JSON.parse(body) as ChatBody;
  lastRequest = request;
  calls[request.model] = (calls[request.model] ?? 0) + 1;
  const script = mode === "development" ? devScript(request.messages) : await steer(request, res);
  if (!script) return true;
  const { pieces: all, paceMs, long } = script;
  const tool = script.tool ?? AGENT_TOOL;
  const limit = request.max_completion_tokens ?? request.max_tokens ?? Number.POSITIVE_INFINITY;
  const pieces = all.slice(0, limit);
  const cutShort = pieces.length < all.length;
  const finish = cutShort
    ? "length"
    : pieces.some((p) => p.kind === "tool")
      ? "tool_calls"
      : "stop";
  const choices = Math.max(1, request.n ?? 1);
  // Counted when sent, so a stream's first byte does not wait for it (as a provider's does not).
  const usage = () => {
    const prompt = promptTokens(request);
    return {
      prompt_tokens: prompt,
      completion_tokens: pieces.length * choices,
      total_tokens: prompt + pieces.length * choices,
      completion_tokens_details: {
        reasoning_tokens: pieces.filter((p) => p.kind === "reasoning").length * choices,
      },
    };
  };
  const base = {
    id: "chatcmpl-standin",
    created: 1700000000,
    model: request.model,
    system_fingerprint: "fp_standin",
  };

  if (!request.stream) {
    const of = (kind: Piece["kind"]) =>
      pieces
        .filter((p) => p.kind === kind)
        .map((p) => p.text)
        .join("");
    const hasTool = pieces.some((p) => p.kind === "tool");
    const message = {
      role: "assistant",
      // null beside a call when there is no text, as OpenAI sends it.
      content: of("content") || (hasTool ? null : ""),
      ...(of("reasoning") ? { reasoning_content: of("reasoning") } : {}),
      ...(hasTool
        ? {
            tool_calls: [
              {
                id: tool.id,
                type: "function",
                function: { name: tool.name, arguments: of("tool") },
              },
            ],
          }
        : {}),
      refusal: null,
    };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...base,
        object: "chat.completion",
        choices: Array.from({ length: choices }, (_, index) => ({
          index,
          message,
          logprobs: null,
          finish_reason: finish,
        })),
        usage: usage(),
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
  const chunk = (index: number, delta: Record<string, unknown>, finishReason: string | null) =>
    send({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    });
  let written = 0;
  for (let index = 0; index < choices; index++) {
    chunk(index, { role: "assistant", content: "" }, null);
    for (const piece of pieces) {
      if (closed) return true;
      chunk(index, piece.delta, null);
      if (long) await new Promise((r) => setTimeout(r, 20));
      else if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
      // Unpaced, it still lets other requests in now and then, as a provider serving many does.
      else if (++written % UNPACED_BURST === 0) await new Promise((r) => setImmediate(r));
    }
    chunk(index, {}, finish);
  }
  if (request.stream_options?.include_usage)
    send({ ...base, object: "chat.completion.chunk", choices: [], usage: usage() });
  res.end("data: [DONE]\n\n");
  return true;
}
