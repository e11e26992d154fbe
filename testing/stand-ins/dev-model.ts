// The development model: what the OpenAI stand-in answers in "development" mode, the model
// `npm run dev` gives the edge's gateway when no provider is configured. It says what it is in
// every answer and can be scripted from the chat:
//   `!tool NAME {json}`  answers with a call of tool NAME with those arguments ({} when none);
//   after a tool result  answers `tool NAME returned: <the start of the result>`;
//   `!slow N`            answers N numbered words, one every SLOW_WORD_MS (something to stop);
//   anything else        answers with a short echo.
// Pure functions over the request's messages; openai-stand-in.ts speaks the wire formats.
export const DEV_MODEL_PREFIX = "[development model]";
// How much of a tool's result and of the person's message an answer repeats.
export const RESULT_PREVIEW_CHARS = 200;
export const ECHO_CHARS = 120;
// A command longer than this is not parsed (the arguments are tried at each closing brace).
const MAX_COMMAND_CHARS = 16_384;
// `!slow N`: at most this many words, this far apart (a chat's stop button needs time to act).
export const SLOW_MAX_WORDS = 2_000;
export const SLOW_WORD_MS = 50;

export type ChatMessage = {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
};
export type DevAnswer =
  | { kind: "text"; text: string; paceMs?: number }
  | { kind: "tool"; name: string; arguments: string };

type Part = { type?: string; text?: unknown };
// A message's text, whether content is a string or OpenAI's array of parts.
export const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? (content as Part[])
          .map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : ""))
          .join(" ")
      : "";

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const preview = (s: string, max: number) => {
  const flat = oneLine(s);
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};
const say = (text: string): DevAnswer => ({ kind: "text", text: `${DEV_MODEL_PREFIX} ${text}` });

// At the start of the message or of one of its lines; a chat client may put a bracketed
// envelope (a timestamp, a sender) before what the person typed.
const COMMAND =
  /(?:^|\n)[ \t]*(?:\[[^\]\n]*\][ \t]*)?!tool[ \t]+([A-Za-z0-9_.:-]{1,64})(?=[\s{]|$)([\s\S]*)$/;

// The JSON object at the start of `rest`: the shortest prefix ending in "}" that parses, so
// whatever a client appends after the person's message does not spoil it.
function leadingObject(rest: string): Record<string, unknown> | undefined {
  for (let end = rest.indexOf("}"); end >= 0; end = rest.indexOf("}", end + 1)) {
    try {
      const value: unknown = JSON.parse(rest.slice(0, end + 1));
      if (value && typeof value === "object" && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // not a whole object yet
    }
  }
  return undefined;
}

function toolCommand(text: string): DevAnswer | undefined {
  const match = COMMAND.exec(text.slice(0, MAX_COMMAND_CHARS));
  if (!match?.[1]) return undefined;
  const name = match[1];
  const rest = (match[2] ?? "").trim();
  if (!rest.startsWith("{")) return { kind: "tool", name, arguments: "{}" };
  const args = leadingObject(rest);
  if (!args) return say(`!tool ${name}: the arguments are not a JSON object: ${preview(rest, 60)}`);
  return { kind: "tool", name, arguments: JSON.stringify(args) };
}

const SLOW = /(?:^|\n)[ \t]*(?:\[[^\]\n]*\][ \t]*)?!slow[ \t]+([0-9]{1,6})(?=\s|$)/;

function slowCommand(text: string): DevAnswer | undefined {
  const match = SLOW.exec(text.slice(0, MAX_COMMAND_CHARS));
  if (!match?.[1]) return undefined;
  const n = Math.min(SLOW_MAX_WORDS, Math.max(1, Number(match[1])));
  const words = Array.from({ length: n }, (_, i) => `w${i + 1}`).join(" ");
  return { kind: "text", text: `${DEV_MODEL_PREFIX} slow: ${words}`, paceMs: SLOW_WORD_MS };
}

// The tool a result answers, by the id of the call it carries.
function toolNameFor(messages: ChatMessage[], callId: unknown): string {
  for (const m of messages) {
    if (m.role !== "assistant" || !Array.isArray(m.tool_calls)) continue;
    for (const call of m.tool_calls as { id?: unknown; function?: { name?: unknown } }[])
      if (call?.id === callId && typeof call.function?.name === "string") return call.function.name;
  }
  return "unknown";
}

// OpenClaw's own turns in the user role: its internal context, and the system prompt itself, which
// it sends as a user turn on a session's first message (its last section is `## Runtime`).
const INTERNAL =
  /^\s*(?:<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>|You are a personal assistant)|^#{2,3} Runtime$/m;
// Paragraphs of a person's turn that a client adds around what they typed.
const ADDED = /^(?:Runtime: |Reasoning: |```|Conversation info|Sender \(untrusted|<<<)/;

// A chat client puts its envelope (a timestamp, who is writing) before what the person typed,
// and may add turns of its own context around it (OpenClaw does both). So: the tool results and
// user turns since the model last spoke, OpenClaw's own turns left out, and of the person's last
// turn its last paragraph that is not an envelope.
export function devModelAnswer(messages: ChatMessage[]): DevAnswer {
  const turns = messages.filter((m) => m.role !== "system" && m.role !== "developer");
  const since = turns.slice(turns.findLastIndex((m) => m.role === "assistant") + 1);
  const result = since.findLast((m) => m.role === "tool");
  if (result) {
    const name = toolNameFor(messages, result.tool_call_id);
    return say(`tool ${name} returned: ${preview(textOf(result.content), RESULT_PREVIEW_CHARS)}`);
  }
  const said = since
    .filter((m) => m.role === "user")
    .map((m) => textOf(m.content))
    .filter((text) => !INTERNAL.test(text));
  for (const text of said) {
    const command = toolCommand(text) ?? slowCommand(text);
    if (command) return command;
  }
  const typed =
    (said.at(-1) ?? "")
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p && !ADDED.test(p))
      .at(-1) ?? "";
  return say(
    typed
      ? `You said: ${preview(typed, ECHO_CHARS)}`
      : "Hello. Say something, or `!tool NAME {json}` to make me call a tool.",
  );
}
