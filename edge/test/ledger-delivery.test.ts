import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { EdgeFrame } from "../protocol/frames.ts";
import { handleInboundEmail } from "../services/inbound-email.ts";
import { accept, progress, runningEmployee, until } from "./chat-helpers.ts";
import { emailChannel, forwardable, rawMail } from "./email-test-helpers.ts";
import { client, mailbox, removeAllEmployees } from "./helpers.ts";
import { createTask, ledger } from "./trust-helpers.ts";

// A channel turn is a `channel` entry of the ledger, and a scheduled task's result goes to the
// channel it names: the employee's latest conversation there, once per run (issue 18).

afterEach(removeAllEmployees);

const AUTH_PASS = (email: string) =>
  `mx.cloudflare.net; dkim=pass header.d=${email.split("@")[1]}; spf=pass smtp.mailfrom=${email}; dmarc=pass header.from=${email.split("@")[1]}`;

const mailFrom = (person: string) => mailbox(person).then((box) => box.filter((m) => m.from));

describe("the ledger and channels", () => {
  it("records an email turn as a channel entry, and delivers a scheduled result into that thread once", async () => {
    const running = await runningEmployee("ledger-deliver");
    const { address } = await emailChannel(running.cookie, running.employeeId);
    const person = (await client(running.cookie)("GET /api/me")).user.email;
    const { agent, employeeId, cookie } = running;
    const mail = rawMail({
      From: person,
      To: address,
      "Message-ID": "<d1@example.com>",
      "Authentication-Results": AUTH_PASS(person),
    });
    const outcome = await handleInboundEmail(forwardable(mail, { from: person, to: address }), env);
    expect(outcome).toMatchObject({ outcome: "stored" });
    const send = (await agent.next("chat.send")) as Extract<EdgeFrame, { type: "chat.send" }>;
    accept(agent, send);
    progress(agent, employeeId, send.runId, { state: "final", text: "On it." });
    await until(async () => (await mailFrom(person)).length === 1, "the answer by email");
    await until(async () => (await ledger(cookie, employeeId)).length === 1, "the turn's entry");
    expect((await ledger(cookie, employeeId))[0]).toMatchObject({
      kind: "channel",
      title: "Hello, please send the report.",
      outcome: "done",
    });

    const made = await createTask(cookie, employeeId, {
      title: "Weekly digest",
      deliverTo: "email",
    });
    const run = {
      type: "work.run",
      employeeId,
      containerId: null,
      runKey: "cron:digest:1",
      taskId: made.id,
      startedAt: Date.now() - 5_000,
      endedAt: Date.now() - 1_000,
      outcome: "done",
      summary: "Four invoices are due this week.",
    };
    agent.send(run);
    agent.send(run);
    await until(async () => (await mailFrom(person)).length === 2, "the task's result by email");
    const [digest] = await mailFrom(person);
    expect(digest?.text).toContain("Weekly digest");
    expect(digest?.text).toContain("Four invoices are due this week.");
    expect(digest?.headers?.References).toContain("<d1@example.com>");

    // A failed run delivers nothing; the repeated report above delivered nothing more.
    agent.send({
      ...run,
      runKey: "cron:digest:2",
      outcome: "failed",
      summary: "Could not log in.",
    });
    await until(
      async () => (await ledger(cookie, employeeId, { kind: "schedule" })).length === 2,
      "both runs",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailFrom(person)).toHaveLength(2);
  });
});
