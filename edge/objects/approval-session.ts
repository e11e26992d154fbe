import { CONVERSATION_SOURCES } from "../contract/chat.ts";

// Which piece of the employee's work asked for an approval, from OpenClaw's session key: one
// function, so the naming of sessions (inbox/inbox-delivery.ts sessionKey: the chat's and the
// channels' conversations are `agent:main:<source>:<conversationId>`) and of scheduled runs (the
// agent's automations are named `iw:<taskId>`, and so are the sessions it reports for them) is read
// in one place. What it names is only a claim of the agent's: the caller checks that the
// conversation or the task is this employee's.

export type SessionOrigin =
  | { kind: "conversation"; conversationId: string }
  | { kind: "schedule"; scheduleId: string }
  | null;

const ID = "[A-Za-z0-9_-]{1,64}";
const CONVERSATION = new RegExp(`^agent:[^:]{1,64}:(${CONVERSATION_SOURCES.join("|")}):(${ID})$`);
// `iw:<taskId>` anywhere in the key, as a whole segment (`…:cron:iw:<taskId>:run:…` too).
const SCHEDULE = new RegExp(`(?:^|:)iw:(${ID})(?::|$)`);

export function sessionOrigin(sessionKey: string | null): SessionOrigin {
  if (!sessionKey) return null;
  const conversation = CONVERSATION.exec(sessionKey);
  if (conversation?.[2]) return { kind: "conversation", conversationId: conversation[2] };
  const schedule = SCHEDULE.exec(sessionKey);
  if (schedule?.[1]) return { kind: "schedule", scheduleId: schedule[1] };
  return null;
}
