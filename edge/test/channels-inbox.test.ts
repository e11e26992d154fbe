import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../channels/channel-message.ts";
import { ChannelStore } from "../objects/inbox/channel-store.ts";
import { InboxStore } from "../objects/inbox/inbox-store.ts";
import { runningEmployee } from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// The durable inbox's channel side (issue 17, package C) on the real EmployeeDO: intake,
// screening, delivery through the scripted node, and the outbox to the providers' stand-ins.

let seq = 0;
function telegramMessage(over: Partial<InboundMessage> = {}): InboundMessage {
  seq++;
  const id = `${Date.now()}${seq}`;
  return {
    kind: "telegram",
    providerMessageId: `4242:${id}`,
    conversationId: "4242",
    sender: { id: "4242", name: "Ada Lovelace" },
    text: `hello ${seq}`,
    truncated: false,
    attachments: [],
    omittedAttachments: 0,
    receivedAt: new Date().toISOString(),
    replyTo: { kind: "telegram", chatId: "4242", messageId: seq },
    ...over,
  };
}

describe("channel intake", () => {
  it("stores each provider message once: a redelivery is a duplicate", async () => {
    const { employeeId } = await runningEmployee("ch-intake");
    const stub = employeeObject(employeeId);
    const m = telegramMessage();
    const channelId = crypto.randomUUID();
    expect(await stub.channelReceive({ channelId, kind: "telegram", messages: [m] })).toEqual({
      stored: 1,
      duplicates: 0,
    });
    expect(
      await stub.channelReceive({
        channelId,
        kind: "telegram",
        messages: [m, telegramMessage()],
      }),
    ).toEqual({ stored: 1, duplicates: 1 });
  });

  it("adds its tables and columns to an object made with the old schema, once", async () => {
    const stub = employeeObject(`old-schema-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // The inbox's tables as they were before channels.
      for (const t of ["channel_intake", "channel_outbox", "sender_rates"])
        sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec("DROP TABLE IF EXISTS conversations");
      sql.exec("DROP TABLE IF EXISTS messages");
      sql.exec(
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
      sql.exec(`CREATE TABLE messages (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL, author TEXT,
        text TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,
        error_code TEXT, error_message TEXT, tools TEXT NOT NULL DEFAULT '[]', reply_to TEXT,
        deadline_at INTEGER, progress_at INTEGER, created_at INTEGER NOT NULL, completed_at INTEGER)`);
      sql.exec("INSERT INTO conversations VALUES ('c1', 'web', 'old', 1)");
      new InboxStore(sql);
      new ChannelStore(sql);
      new ChannelStore(sql); // a second start changes nothing and does not throw
      const cols = (t: string) =>
        sql
          .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", t)
          .toArray()
          .map((r) => r.name);
      expect(cols("conversations")).toEqual(
        expect.arrayContaining(["external_key", "peer", "title"]),
      );
      expect(cols("messages")).toEqual(
        expect.arrayContaining(["reply_target", "sender_key", "notice_at"]),
      );
      expect(cols("channel_intake")).toContain("message_json");
      expect(
        sql.exec<{ title: string }>("SELECT title FROM conversations WHERE id = 'c1'").one().title,
      ).toBe("old");
    });
  });
});
