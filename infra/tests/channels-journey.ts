// What the channel journeys (channels-e2e.test.ts) read back: the answers each provider's
// stand-in was asked to send, the messages the edge stored, the employee's state.
import { DEV_MODEL_PREFIX } from "../../testing/stand-ins/dev-model.ts";
import type { ChannelStandIns } from "./channels-stand-ins.ts";
import { type Client, sleep } from "./stack.ts";

type Params = Record<string, unknown>;
interface Recorded {
  method: string;
  params: Params;
}

/** The bot's sendMessage calls (Telegram), as the stand-in recorded them. */
export async function telegramSent(s: ChannelStandIns, token: string): Promise<Params[]> {
  const q = new URLSearchParams({ token, method: "sendMessage" });
  const { requests } = await s.control<{ requests: Recorded[] }>(`/telegram/_test/requests?${q}`);
  return requests.map((r) => r.params);
}

/** The workspace's chat.postMessage calls (Slack). */
export async function slackPosted(s: ChannelStandIns, token: string): Promise<Params[]> {
  const q = new URLSearchParams({ token, method: "chat.postMessage" });
  const { requests } = await s.control<{ requests: Recorded[] }>(`/slack/_test/requests?${q}`);
  return requests.map((r) => r.params);
}

/** The number's Graph `messages` calls (WhatsApp): their JSON bodies. */
export async function whatsappSent(s: ChannelStandIns, phoneNumberId: string): Promise<Params[]> {
  const q = new URLSearchParams({ phoneNumberId });
  const { requests } = await s.control<{
    requests: { method: string; path: string; body: unknown }[];
  }>(`/whatsapp/_test/requests?${q}`);
  return requests
    .filter((r) => r.method === "POST" && r.path.endsWith("/messages"))
    .map((r) => (r.body ?? {}) as Params);
}

const textOf = (p: Params): string => {
  const text = p.text;
  if (typeof text === "string") return text;
  if (text && typeof text === "object" && "body" in text) return String(text.body);
  return "";
};

/** The model's answers among a provider's sends (a notice or an apology is not one). */
export const answers = (sent: Params[], word: string) =>
  sent.filter((p) => textOf(p).includes(DEV_MODEL_PREFIX) && textOf(p).includes(word));
export { textOf };

/** Waits until `read` gives a non-empty list; says what it last saw when it never does. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T[]>,
  timeoutMs: number,
  explain: () => string = () => "",
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let last: T[] = [];
  for (;;) {
    last = await read();
    if (last.length > 0) return last;
    if (Date.now() > deadline)
      throw new Error(`${what}: nothing within ${timeoutMs} ms\n${explain()}`);
    await sleep(250);
  }
}

/** Every message text the employee's inbox holds, over every conversation (any source). */
export async function storedTexts(client: Client, id: string): Promise<string[]> {
  const { conversations } = await client.call("GET /api/employees/:id/conversations", {
    params: { id },
  });
  const texts: string[] = [];
  for (const c of conversations) {
    const page = await client.call(
      "GET /api/employees/:id/conversations/:conversationId/messages",
      { params: { id, conversationId: c.id } },
    );
    texts.push(...page.messages.map((m) => m.text));
  }
  return texts;
}

export async function waitStatus(
  client: Client,
  id: string,
  status: string,
  timeoutMs: number,
  logs: () => string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { employee } = await client.call("GET /api/employees/:id", { params: { id } });
    if (employee.status === status) return Date.now() - started;
    if (employee.status === "error") throw new Error(`employee failed: ${employee.statusReason}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`still ${employee.status}, not ${status}:\n${logs()}`);
    await sleep(500);
  }
}

/** A header of a dev mailbox message, whatever its case. */
export const header = (headers: Record<string, string> | undefined, name: string) =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

/** A word no other message has: what each journey looks for in the answers. */
export const word = (what: string) => `${what}-w${Date.now().toString(36)}`;
