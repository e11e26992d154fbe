import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { RESEND_API_KEY } from "../../testing/stand-ins/resend-stand-in.ts";
import { ChannelError } from "../channels/channel-error.ts";
import type { ReplyTarget } from "../channels/channel-message.ts";
import { parseInboundEmail } from "../channels/email/email-parse.ts";
import { sendEmailReply } from "../channels/email/email-send.ts";
import type { Env } from "../env.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import { handleInboundEmail, REJECT_CLOSED, REJECT_UNKNOWN } from "../services/inbound-email.ts";
import { chatAttachmentPrefix } from "../store/chat-attachments.ts";
import { accept, conversations, progress, runningEmployee, until } from "./chat-helpers.ts";
import { emailChannel, forwardable, MAIL_DOMAIN, rawMail } from "./email-test-helpers.ts";
import type { FakeAgent } from "./fake-agent.ts";
import {
  accountOf,
  client,
  hire,
  mailbox,
  removeAllEmployees,
  signIn,
  uniqueEmail,
} from "./helpers.ts";

afterEach(removeAllEmployees);

// The email channel (issue 17, package D): the Worker's email() handler through to the
// employee's durable inbox, and the employee's reply through the mailer.

async function hiredWithEmail(tag: string, opts?: Parameters<typeof emailChannel>[2]) {
  const cookie = await signIn(uniqueEmail(tag));
  const employee = await hire(cookie, { name: "Maya" });
  const channel = await emailChannel(cookie, employee.id, opts);
  return { cookie, employeeId: employee.id, accountId: await accountOf(cookie), ...channel };
}

const chatFiles = async (accountId: string, employeeId: string) =>
  (await env.KNOWLEDGE.list({ prefix: chatAttachmentPrefix(accountId, employeeId) })).objects;

describe("inbound email", () => {
  it("rejects mail to an address no employee has, permanently, and stores nothing", async () => {
    for (const to of [
      `nobody-${crypto.randomUUID().slice(0, 8)}@${MAIL_DOMAIN}`,
      "maya@other.example",
    ]) {
      const message = forwardable(rawMail({ To: to }), { from: "ada@example.com", to });
      expect(await handleInboundEmail(message, env)).toMatchObject({ outcome: "rejected" });
      expect(message.rejected).toBe(REJECT_UNKNOWN);
    }
  });

  it("stores mail to the employee's address once: the same Message-ID again is a duplicate", async () => {
    const maya = await hiredWithEmail("mail-in");
    const raw = rawMail({ To: maya.address });
    const first = forwardable(raw, { from: "ada@example.com", to: maya.address });
    expect(await handleInboundEmail(first, env)).toMatchObject({
      outcome: "stored",
      employeeId: maya.employeeId,
      channelId: maya.row.id,
    });
    expect(first.rejected).toBeNull();
    // A sub-address (+tag) and another case reach the same employee.
    const [local] = maya.address.split("@");
    const again = forwardable(raw, {
      from: "ada@example.com",
      to: `${local?.toUpperCase()}+invoices@${MAIL_DOMAIN}`,
    });
    expect(await handleInboundEmail(again, env)).toMatchObject({ outcome: "duplicate" });
  });

  it("a paused email channel refuses mail", async () => {
    const maya = await hiredWithEmail("mail-paused", { status: "paused" });
    const message = forwardable(rawMail({ To: maya.address }), {
      from: "ada@example.com",
      to: maya.address,
    });
    expect(await handleInboundEmail(message, env)).toMatchObject({ outcome: "rejected" });
    expect(message.rejected).toBe(REJECT_CLOSED);
  });

  it("accepts auto-replies and bounces and drops them: nothing is stored", async () => {
    const maya = await hiredWithEmail("mail-auto");
    const autoReply = forwardable(
      rawMail({ To: maya.address, "Auto-Submitted": "auto-replied", Subject: "Out of office" }),
      { from: "ada@example.com", to: maya.address },
    );
    const bounce = forwardable(
      rawMail({
        To: maya.address,
        From: "Mail Delivery System <MAILER-DAEMON@example.com>",
        "Content-Type": 'multipart/report; report-type=delivery-status; boundary="x"',
      }),
      { from: "", to: maya.address },
    );
    for (const message of [autoReply, bounce]) {
      expect(await handleInboundEmail(message, env)).toMatchObject({ outcome: "ignored" });
      expect(message.rejected).toBeNull();
    }
  });

  it("files the chat would take go to R2 under the employee's chat prefix; others are counted, not delivered", async () => {
    const maya = await hiredWithEmail("mail-files");
    const files = [
      ...Array.from({ length: 6 }, (_, i) => ({
        name: `notes-${i + 1}.txt`,
        type: "text/plain",
        body: `note ${i + 1}`,
      })),
      { name: "setup.exe", type: "application/octet-stream", body: "MZ" },
      { name: "empty.txt", type: "text/plain", body: "" },
    ];
    const message = forwardable(rawMail({ To: maya.address }, "See attached.\r\n", files), {
      from: "ada@example.com",
      to: maya.address,
    });
    expect(await handleInboundEmail(message, env)).toMatchObject({ outcome: "stored", files: 5 });
    const stored = await chatFiles(maya.accountId, maya.employeeId);
    expect(stored).toHaveLength(5);
  });

  it("when the inbox cannot store the mail, it throws (a temporary failure: the sender retries) and leaves no files", async () => {
    const maya = await hiredWithEmail("mail-down");
    const down = {
      ...env,
      // The binding as an outage looks to the Worker: the object's RPC fails.
      EMPLOYEE_DO: {
        idFromName: (name: string) => env.EMPLOYEE_DO.idFromName(name),
        get: () => ({ channelReceive: () => Promise.reject(new Error("object unavailable")) }),
      },
    } as unknown as Env;
    const message = forwardable(
      rawMail({ To: maya.address }, "See attached.\r\n", [
        { name: "a.txt", type: "text/plain", body: "a" },
      ]),
      { from: "ada@example.com", to: maya.address },
    );
    await expect(handleInboundEmail(message, down)).rejects.toThrow("object unavailable");
    expect(message.rejected).toBeNull();
    expect(await chatFiles(maya.accountId, maya.employeeId)).toHaveLength(0);
  });
});

// A stored message's reply target, as the inbox keeps it.
async function replyTarget(raw: string, to: string): Promise<ReplyTarget> {
  return (await parseInboundEmail({ raw, envelopeFrom: "ada@example.com", envelopeTo: to })).message
    .replyTo;
}

describe("the employee's email reply", () => {
  it("lands in the development mailbox from the employee's address, threaded", async () => {
    const person = uniqueEmail("ada");
    const address = `maya-${crypto.randomUUID().slice(0, 8)}@${MAIL_DOMAIN}`;
    const target = await replyTarget(
      rawMail({
        From: person,
        To: address,
        "Message-ID": "<m2@example.com>",
        "In-Reply-To": "<m1@example.com>",
        References: "<m1@example.com>",
      }),
      address,
    );
    const sent = await sendEmailReply(env, {
      employeeName: 'Maya "the" <Assistant>',
      replyTo: target,
      text: "Here it is.",
    });
    const [mail] = await mailbox(person);
    expect(mail).toMatchObject({
      from: `"Maya the Assistant" <${address}>`,
      subject: "Re: Quarterly report",
      text: "Here it is.",
      headers: {
        "In-Reply-To": "<m2@example.com>",
        References: "<m1@example.com> <m2@example.com>",
        "Auto-Submitted": "auto-replied",
      },
    });
    expect(sent.messageId).toMatch(new RegExp(`@${MAIL_DOMAIN}>$`));
  });

  it("leaves from the employee's current address when it changed since", async () => {
    const person = uniqueEmail("ada");
    const target = await replyTarget(rawMail({ From: person }), `old@${MAIL_DOMAIN}`);
    await sendEmailReply(env, {
      employeeName: "Maya",
      fromAddress: `new@${MAIL_DOMAIN}`,
      replyTo: target,
      text: "Moved.",
    });
    expect((await mailbox(person))[0]?.from).toBe(`"Maya" <new@${MAIL_DOMAIN}>`);
  });

  it("through Resend: the provider gets the employee's From, the threading headers and the files", async () => {
    const person = uniqueEmail("ada");
    const address = `maya-${crypto.randomUUID().slice(0, 8)}@${MAIL_DOMAIN}`;
    const withResend = (key: string) =>
      ({ ...env, RESEND_API_KEY: key, EMAIL_API_URL: `${env.STAND_IN_URL}/resend/` }) as Env;
    const target = await replyTarget(
      rawMail({ From: person, To: address, "Message-ID": "<r1@example.com>" }),
      address,
    );
    await sendEmailReply(withResend(RESEND_API_KEY), {
      employeeName: "Maya",
      replyTo: target,
      text: "Attached.",
      attachments: [{ name: "report.txt", contentType: "text/plain", base64: btoa("numbers") }],
    });
    const res = await fetch(
      `${env.STAND_IN_URL}/resend/_test/sent?to=${encodeURIComponent(person)}`,
    );
    const { emails } = (await res.json()) as {
      emails: {
        from: string;
        subject: string;
        headers?: Record<string, string>;
        attachments?: { filename: string; size: number }[];
      }[];
    };
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: `"Maya" <${address}>`,
      subject: "Re: Quarterly report",
      headers: {
        "In-Reply-To": "<r1@example.com>",
        References: "<r1@example.com>",
        "Auto-Submitted": "auto-replied",
      },
      attachments: [{ filename: "report.txt", size: 7 }],
    });

    // A key the provider refuses: a typed failure the outbox shows on the channel.
    const refused = await sendEmailReply(withResend("re_wrong"), {
      employeeName: "Maya",
      replyTo: target,
      text: "Again.",
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelError);
    expect(refused).toMatchObject({ code: "unauthorized", providerCode: "403" });
  });
});

// ---- end to end through the inbox: the scripted node plays the employee's OpenClaw ----

const AUTH_PASS = (email: string) =>
  `mx.cloudflare.net; dkim=pass header.d=${email.split("@")[1]}; spf=pass smtp.mailfrom=${email}; dmarc=pass header.from=${email.split("@")[1]}`;

async function runningWithEmail(tag: string) {
  const running = await runningEmployee(tag);
  const channel = await emailChannel(running.cookie, running.employeeId);
  const me = await client(running.cookie)("GET /api/me");
  return { ...running, ...channel, person: me.user.email, accountId: me.account.id };
}

/** Mail from `from` to the employee, as Email Routing hands it on; asserts it was stored. */
async function mailIn(
  to: string,
  from: string,
  headers: Record<string, string>,
  body?: string,
  files?: Parameters<typeof rawMail>[2],
) {
  const message = forwardable(rawMail({ From: from, To: to, ...headers }, body, files), {
    from,
    to,
  });
  const outcome = await handleInboundEmail(message, env);
  expect(message.rejected).toBeNull();
  return outcome;
}

type ChatSend = Extract<EdgeFrame, { type: "chat.send" }>;

/** The employee answers the run the way OpenClaw does: takes it, then a final text. */
function answer(agent: FakeAgent, employeeId: string, send: ChatSend, text: string) {
  accept(agent, send);
  progress(agent, employeeId, send.runId, { state: "final", text });
}

/** The employee's mail to a person (not the product's own, e.g. the sign-in link), newest first. */
const repliesTo = async (person: string) => (await mailbox(person)).filter((m) => m.from);

async function mailTo(person: string, count: number) {
  let box: Awaited<ReturnType<typeof mailbox>> = [];
  await until(async () => {
    box = await repliesTo(person);
    return box.length >= count;
  }, `${count} mail(s) to ${person}`);
  return box;
}

describe("email through the inbox and back", () => {
  it("a member's mail reaches the employee; the answer is threaded from its address; a follow-up stays in the conversation", async () => {
    const maya = await runningWithEmail("mail-flow");
    expect(
      await mailIn(maya.address, maya.person, {
        "Message-ID": "<m1@example.com>",
        "Authentication-Results": AUTH_PASS(maya.person),
      }),
    ).toMatchObject({ outcome: "stored" });

    const first = (await maya.agent.next("chat.send")) as ChatSend;
    expect(first.sessionKey).toMatch(/^agent:main:email:/);
    expect(first.text).toContain("please send the report.");
    answer(maya.agent, maya.employeeId, first, "Here is the report.");

    const [reply] = await mailTo(maya.person, 1);
    expect(reply?.from).toContain(`<${maya.address}>`);
    expect(reply?.from).toMatch(/^"?Chatty/);
    expect(reply).toMatchObject({
      subject: "Re: Quarterly report",
      text: "Here is the report.",
      headers: expect.objectContaining({
        "In-Reply-To": "<m1@example.com>",
        "Auto-Submitted": "auto-replied",
      }),
    });
    expect(reply?.headers?.References?.split(/\s+/)).toEqual(["<m1@example.com>"]);

    // The person answers the reply: the thread's root is still <m1>, so the same conversation.
    const replyId = reply?.headers?.["Message-ID"] ?? "<reply@employees.localhost>";
    await mailIn(maya.address, maya.person, {
      "Message-ID": "<m2@example.com>",
      Subject: "Re: Quarterly report",
      "In-Reply-To": replyId,
      References: `<m1@example.com> ${replyId}`,
      "Authentication-Results": AUTH_PASS(maya.person),
    });
    const second = (await maya.agent.next("chat.send")) as ChatSend;
    expect(second.sessionKey).toBe(first.sessionKey);
    answer(maya.agent, maya.employeeId, second, "You are welcome.");
    const box = await mailTo(maya.person, 2);
    expect(box[0]).toMatchObject({
      subject: "Re: Quarterly report",
      headers: expect.objectContaining({ "In-Reply-To": "<m2@example.com>" }),
    });
    expect(box[0]?.headers?.References?.split(/\s+/)).toEqual([
      "<m1@example.com>",
      replyId,
      "<m2@example.com>",
    ]);
    const email = (await conversations(maya.cookie, maya.employeeId)).conversations.filter(
      (c) => c.source === "email",
    );
    expect(email).toHaveLength(1);
    expect(email[0]?.messageCount).toBe(4);

    // An out-of-office answer to the reply is never answered.
    await mailIn(maya.address, maya.person, {
      Subject: "Automatic reply: Re: Quarterly report",
      "Auto-Submitted": "auto-replied",
      "In-Reply-To": replyId,
      "Authentication-Results": AUTH_PASS(maya.person),
    });
    await new Promise((r) => setTimeout(r, 300));
    // (next() took the two answered runs off the list.)
    expect(maya.agent.received.filter((f) => f.type === "chat.send")).toHaveLength(0);
    expect(await repliesTo(maya.person)).toHaveLength(2);
  });

  it("files: the ones the chat takes reach the employee; the others are counted in its text", async () => {
    const maya = await runningWithEmail("mail-flow-files");
    const files = [
      ...Array.from({ length: 6 }, (_, i) => ({
        name: `notes-${i + 1}.txt`,
        type: "text/plain",
        body: `note ${i + 1}`,
      })),
      { name: "setup.exe", type: "application/octet-stream", body: "MZ" },
    ];
    await mailIn(
      maya.address,
      maya.person,
      { "Authentication-Results": AUTH_PASS(maya.person) },
      "See attached.\r\n",
      files,
    );
    const send = (await maya.agent.next("chat.send")) as ChatSend;
    expect(send.attachments.map((a) => a.name)).toEqual([
      "notes-1.txt",
      "notes-2.txt",
      "notes-3.txt",
      "notes-4.txt",
      "notes-5.txt",
    ]);
    expect(send.text).toContain("2 attached file(s) could not be passed on");
  });

  it("a member's address without the receiving server's DMARC pass is a stranger: a pairing request, no answer", async () => {
    const maya = await runningWithEmail("mail-flow-stranger");
    // Authentication-Results written by someone else (not the trusted server) counts for nothing.
    await mailIn(maya.address, maya.person, {
      "Authentication-Results": `mx.evil.example; dmarc=pass header.from=example.com`,
    });
    await until(async () => {
      const row = await env.DB.prepare(
        "SELECT status FROM channel_senders WHERE employee_id = ? AND kind = 'email' AND sender_key = ?",
      )
        .bind(maya.employeeId, maya.person)
        .first<{ status: string }>();
      return row?.status === "pending";
    }, "a pending pairing request");
    await new Promise((r) => setTimeout(r, 300));
    expect(maya.agent.received.filter((f) => f.type === "chat.send")).toHaveLength(0);
    expect(await repliesTo(maya.person)).toHaveLength(0);
  });
});
