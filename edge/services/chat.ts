import type { z } from "zod";
import type {
  ChatMessage,
  ChatReadiness,
  Conversation,
  MessagePageQuery,
  NewConversation,
  SendMessage,
} from "../contract/chat.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { chatReadiness } from "../objects/inbox/chat-readiness.ts";
import type { ChatRefusal, MessagePage } from "../objects/inbox/inbox-rpc.ts";
import { employeeStub } from "../objects/stubs.ts";
import { countChatView } from "./access.ts";
import type { Actor } from "./actor.ts";
import type { Deps } from "./deps.ts";
import { employeeFor } from "./employees.ts";
import { CHAT_CONVERSATIONS_PER_USER, CHAT_MESSAGES_PER_USER } from "./rate-limits.ts";

// The workspace chat's verbs. Conversations and messages live in the employee's object (its
// durable inbox, objects/inbox/); these check who asks, in the order every verb does: the
// employee is the actor's account's (404), the role may chat (employees.use: any member, 403),
// then the person's rate limit, then the trial's chat sessions (402).
//
// Not audited: a message is not a change of the account's settings, and one row per message
// would drown the log; opening the chat through the access URLs stays audited (access.ts). Nor
// are creating a conversation or stopping an answer: both concern only the chat itself.

/** The conversations of an employee, newest first, and whether it can answer now. */
export async function listConversations(
  deps: Deps,
  actor: Actor,
  employeeId: string,
): Promise<{ conversations: Conversation[]; readiness: ChatReadiness }> {
  const row = await employeeFor(deps, actor, employeeId, "employees.use");
  const [conversations, readiness] = await Promise.all([
    employeeStub(deps.env, employeeId).chatConversations(),
    chatReadiness(deps.env, actor.accountId, row.status, deps.now(), row.id),
  ]);
  return { conversations, readiness };
}

export async function createConversation(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  body: () => Promise<z.output<typeof NewConversation>>,
): Promise<Conversation> {
  await employeeFor(deps, actor, employeeId, "employees.use");
  const input = await body();
  await deps.limits.take(CHAT_CONVERSATIONS_PER_USER, actor.userId);
  const created = await employeeStub(deps.env, employeeId).chatCreateConversation({
    source: "web",
    ...(input.title ? { title: input.title } : {}),
  });
  if (!created) throw notFound("employee");
  return created;
}

export async function messagePage(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  conversationId: string,
  query: z.output<typeof MessagePageQuery>,
): Promise<MessagePage> {
  await employeeFor(deps, actor, employeeId, "employees.use");
  const page = await employeeStub(deps.env, employeeId).chatMessages(conversationId, query.before);
  if (!page) throw notFound("conversation");
  return page;
}

// 202: stored. The answer follows on the live socket and in the history. `body` is read after
// the employee and the role are checked, so a stranger learns nothing from a 400.
export async function sendMessage(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  conversationId: string,
  body: () => Promise<z.output<typeof SendMessage>>,
): Promise<{ message: ChatMessage; reply: ChatMessage }> {
  await employeeFor(deps, actor, employeeId, "employees.use");
  const input = await body();
  // OpenClaw refuses a message with a NUL in it: said here, before it is stored and fails later.
  if (input.text.includes("\0"))
    throw new ApiError(400, "invalid_input", "A message cannot contain a NUL character.", {
      text: "contains a NUL character",
    });
  const message = {
    conversationId,
    text: input.text,
    author: actor.email,
    attachmentIds: input.attachmentIds ?? [],
  };
  const stub = employeeStub(deps.env, employeeId);
  // Only a message that can be stored counts against the person's limit and the trial.
  const refused = await stub.chatCheckPost(message);
  if (refused) throw refusal(refused);
  await deps.limits.take(CHAT_MESSAGES_PER_USER, actor.userId);
  await countChatView(deps, actor.accountId, employeeId);
  const posted = await stub.chatPost(message);
  if (!posted.ok) throw refusal(posted);
  return { message: posted.message, reply: posted.reply };
}

// Any member may stop any answer, whoever asked: the employee's conversations are the team's
// (every member sees each and may write in it), so stopping one is no more than writing in it.
export async function stopConversation(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  conversationId: string,
): Promise<Conversation> {
  await employeeFor(deps, actor, employeeId, "employees.use");
  const stopped = await employeeStub(deps.env, employeeId).chatStop(conversationId);
  if (!stopped) throw notFound("conversation");
  return stopped;
}

function refusal(r: ChatRefusal): ApiError {
  switch (r.code) {
    case "not_found":
      return new ApiError(404, "not_found", r.message);
    case "invalid_input":
      return new ApiError(400, "invalid_input", r.message, r.fields);
    case "invalid_state":
      return new ApiError(409, "invalid_state", r.message);
  }
}
