import { exports } from "cloudflare:workers";
import type { ChatMessage, ChatReadiness, Conversation } from "../contract/chat.ts";
import type { LiveFrame } from "../contract/live.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import { api, hire, ORIGIN, signIn, uniqueEmail, waitForEmployee } from "./helpers.ts";

// What the chat tests share: a running employee on a scripted node, the chat's endpoints, and a
// live socket that keeps the chat's frames.

export interface Running {
  cookie: string;
  employeeId: string;
  node: { id: string; token: string };
  agent: FakeAgent;
}

/** A signed-in person's employee, provisioned on a fresh node by a scripted agent: running. */
export async function runningEmployee(tag: string): Promise<Running> {
  const node = await createNode();
  const agent = await FakeAgent.connect(node.token, { slots: 2 });
  const cookie = await signIn(uniqueEmail(tag));
  const hired = await hire(cookie, { name: "Chatty" });
  const provision = await agent.next("container.provision");
  await agent.completeProvision(provision);
  await waitForEmployee(cookie, hired.id, (e) => e.status === "running");
  return { cookie, employeeId: hired.id, node, agent };
}

export const chatPath = (employeeId: string, rest = "") => `/api/employees/${employeeId}${rest}`;

export async function newConversation(cookie: string, employeeId: string, title?: string) {
  const res = await api(chatPath(employeeId, "/conversations"), {
    method: "POST",
    cookie,
    json: title === undefined ? {} : { title },
  });
  if (res.status !== 201) throw new Error(`conversation: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { conversation: Conversation }).conversation;
}

export function send(
  cookie: string,
  employeeId: string,
  conversationId: string,
  body: unknown,
): Promise<Response> {
  return api(chatPath(employeeId, `/conversations/${conversationId}/messages`), {
    method: "POST",
    cookie,
    json: body,
  });
}

export async function sent(
  cookie: string,
  employeeId: string,
  conversationId: string,
  text: string,
  attachmentIds?: string[],
): Promise<{ message: ChatMessage; reply: ChatMessage }> {
  const res = await send(cookie, employeeId, conversationId, {
    text,
    ...(attachmentIds ? { attachmentIds } : {}),
  });
  if (res.status !== 202) throw new Error(`send: ${res.status} ${await res.text()}`);
  return (await res.json()) as { message: ChatMessage; reply: ChatMessage };
}

export async function history(cookie: string, employeeId: string, conversationId: string) {
  const res = await api(chatPath(employeeId, `/conversations/${conversationId}/messages`), {
    cookie,
  });
  if (res.status !== 200) throw new Error(`history: ${res.status} ${await res.text()}`);
  return (await res.json()) as {
    conversation: Conversation;
    messages: ChatMessage[];
    nextBefore: string | null;
  };
}

export async function conversations(cookie: string, employeeId: string) {
  const res = await api(chatPath(employeeId, "/conversations"), { cookie });
  if (res.status !== 200) throw new Error(`conversations: ${res.status}`);
  return (await res.json()) as { conversations: Conversation[]; readiness: ChatReadiness };
}

export async function liveChat(cookie: string, employeeId: string) {
  const res = await exports.default.fetch(
    new Request(new URL(`/api/employees/${employeeId}/live`, ORIGIN), {
      headers: { upgrade: "websocket", cookie },
    }),
  );
  if (res.status !== 101 || !res.webSocket) throw new Error(`live: ${res.status}`);
  const ws = res.webSocket;
  ws.accept();
  const frames: LiveFrame[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(String(e.data)) as LiveFrame);
  });
  const messages = (id: string) =>
    frames.flatMap((f) => (f.type === "chat.message" && f.message.id === id ? [f.message] : []));
  return { ws, frames, messages };
}

type Progress = {
  state: "streaming" | "final" | "aborted" | "error";
  text: string;
  tools?: { id: string; kind: string; summary: string; status: "running" | "done" | "failed" }[];
  error?: { code: string; message: string };
};

/** The agent's chat.progress for a run, as the real agent sends it. */
export function progress(agent: FakeAgent, employeeId: string, runId: string, p: Progress) {
  agent.send({
    type: "chat.progress",
    employeeId,
    containerId: null,
    runId,
    state: p.state,
    text: p.text,
    truncated: false,
    tools: p.tools ?? [],
    ...(p.error ? { error: p.error } : {}),
  });
}

/** OpenClaw took the message: the agent's result of chat.send. */
export function accept(agent: FakeAgent, frame: Extract<EdgeFrame, { type: "chat.send" }>) {
  agent.send({ type: "result", id: frame.id, ok: true });
}

export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
