import { describe, expect, it } from "vitest";
import { sessionOrigin } from "../../objects/approval-session.ts";
import { sessionKey } from "../../objects/inbox/inbox-delivery.ts";

// Which piece of work asked for an approval, from OpenClaw's session key (issue 18): the inbox's
// own session names, the agent's automations (`iw:<taskId>`), and anything else as nothing.
describe("sessionOrigin", () => {
  const id = "0b6f3f0e-3c1a-4f7e-9d55-2f1d7c1e9a10";

  it("reads the inbox's conversations, for every source", () => {
    for (const source of ["web", "email", "telegram", "slack", "whatsapp"] as const)
      expect(sessionOrigin(sessionKey(source, id))).toEqual({
        kind: "conversation",
        conversationId: id,
      });
  });

  it("reads a scheduled task from an iw:<taskId> segment", () => {
    for (const key of [`iw:${id}`, `agent:main:cron:iw:${id}`, `agent:main:cron:iw:${id}:run:17`])
      expect(sessionOrigin(key)).toEqual({ kind: "schedule", scheduleId: id });
  });

  it("is nothing for other sessions and for what only looks like ours", () => {
    for (const key of [
      null,
      "",
      "agent:main:main",
      `agent:main:cron:${id}`,
      `agent:main:sms:${id}`,
      `agent:main:web:${id}:extra`,
      `agent:main:web:../${id}`,
      `xiw:${id}`,
      "iw:",
      `iw:${"a".repeat(65)}`,
    ])
      expect(sessionOrigin(key)).toBeNull();
  });
});
