import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decidePairingRequest,
  findChannelSender,
  linkedMember,
  listPendingPairingRequests,
  recordSender,
} from "../store/channel-senders.ts";
import {
  ChannelTakenError,
  channelsByExternalId,
  emailLocalPartTaken,
  getEmployeeChannel,
  listEmployeeChannels,
  setChannelStatus,
  upsertChannel,
} from "../store/channels.ts";
import { getSlackInstallation, putSlackInstallation } from "../store/slack-installations.ts";
import { getSlackRoute, putSlackRoute } from "../store/slack-routes.ts";
import { person } from "./team-fixture.ts";

// The channel tables of migration 0011 against the real D1: their unique rules, the upserts the
// verbs rely on, and that firing an employee (its row deleted) takes its channel rows along.

const settings = { noticeAfterSeconds: 60, policy: "members" as const };
let accountId = "";
let otherAccountId = "";
let anna = "";
let ben = "";

async function bareEmployee(account: string, name: string): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO employees (id, account_id, name, role, tone, skills, created_at, updated_at)
     VALUES (?1, ?2, ?3, 'assistant', 'friendly', '[]', ?4, ?4)`,
  )
    .bind(id, account, name, Date.now())
    .run();
  return id;
}

beforeAll(async () => {
  accountId = (await person("ch-store")).ownAccountId;
  otherAccountId = (await person("ch-store-other")).ownAccountId;
  anna = await bareEmployee(accountId, "Anna");
  ben = await bareEmployee(accountId, "Ben");
});

describe("channels store", () => {
  it("keeps one channel per employee and kind, and a bot to one employee", async () => {
    const bot = `bot-${crypto.randomUUID()}`;
    const first = await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId: anna,
        kind: "telegram",
        status: "pending",
        externalId: bot,
        settings,
      },
      1,
    );
    const again = await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId: anna,
        kind: "telegram",
        status: "connected",
        externalId: bot,
        display: "@anna_bot",
        credentialMasked: "1:•••••abc",
        settings,
        connectedAt: 2,
      },
      2,
    );
    expect(again).toMatchObject({ id: first.id, createdAt: 1, updatedAt: 2, status: "connected" });
    expect((await getEmployeeChannel(env.DB, anna, "telegram"))?.display).toBe("@anna_bot");
    expect((await channelsByExternalId(env.DB, "telegram", bot)).map((c) => c.id)).toEqual([
      first.id,
    ]);
    await expect(
      upsertChannel(
        env.DB,
        {
          accountId,
          employeeId: ben,
          kind: "telegram",
          status: "pending",
          externalId: bot,
          settings,
        },
        3,
      ),
    ).rejects.toThrow(ChannelTakenError);
    expect((await setChannelStatus(env.DB, first.id, "failing", "Unauthorized", 4))?.status).toBe(
      "failing",
    );
  });

  it("lets one Slack team serve many employees, and knows the addresses in use", async () => {
    const team = `T${crypto.randomUUID()}`;
    for (const employeeId of [anna, ben])
      await upsertChannel(
        env.DB,
        { accountId, employeeId, kind: "slack", status: "connected", externalId: team, settings },
        5,
      );
    expect(await channelsByExternalId(env.DB, "slack", team)).toHaveLength(2);
    const local = `anna-${crypto.randomUUID().slice(0, 8)}`;
    expect(await emailLocalPartTaken(env.DB, local)).toBe(false);
    await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId: anna,
        kind: "email",
        status: "connected",
        externalId: local,
        settings,
      },
      6,
    );
    expect(await emailLocalPartTaken(env.DB, local)).toBe(true);
    expect((await listEmployeeChannels(env.DB, anna)).map((c) => c.kind).sort()).toEqual([
      "email",
      "slack",
      "telegram",
    ]);
  });
});

describe("channel senders store", () => {
  it("opens a request once, counts the messages after, and is decided within its account", async () => {
    const seen = {
      accountId,
      employeeId: anna,
      kind: "telegram" as const,
      senderKey: "42",
      displayName: "Stranger",
      email: null,
      text: `Hello ${"x".repeat(300)}`,
    };
    const opened = await recordSender(env.DB, seen, 10);
    expect(opened.opened).toBe(true);
    expect(opened.row.preview).toHaveLength(200);
    const more = await recordSender(env.DB, { ...seen, text: "again" }, 11);
    expect(more).toMatchObject({ opened: false, row: { id: opened.row.id, messageCount: 2 } });
    expect(more.row.preview.startsWith("Hello")).toBe(true);

    const pending = await listPendingPairingRequests(env.DB, accountId);
    expect(pending.find((r) => r.id === opened.row.id)?.employeeName).toBe("Anna");
    expect(await listPendingPairingRequests(env.DB, otherAccountId)).toEqual([]);

    const decision = { status: "allowed" as const, userId: "user-7", decidedBy: "admin-1" };
    expect(await decidePairingRequest(env.DB, otherAccountId, opened.row.id, decision, 12)).toBe(
      null,
    );
    expect(
      await decidePairingRequest(env.DB, accountId, opened.row.id, decision, 12),
    ).toMatchObject({ status: "allowed", userId: "user-7", decidedAt: 12 });
    // A link counts for the whole account, not for another.
    expect(await linkedMember(env.DB, accountId, "telegram", "42")).toBe("user-7");
    expect(await linkedMember(env.DB, otherAccountId, "telegram", "42")).toBeNull();
    const blocked = await decidePairingRequest(
      env.DB,
      accountId,
      opened.row.id,
      { status: "blocked", userId: "user-7", decidedBy: "admin-1" },
      13,
    );
    expect(blocked?.userId).toBeNull();
    expect((await findChannelSender(env.DB, anna, "telegram", "42"))?.status).toBe("blocked");
  });
});

describe("Slack installations and routes", () => {
  it("keeps a team with its first account, and a thread with its first employee", async () => {
    const teamId = `T${crypto.randomUUID()}`;
    const install = {
      teamId,
      accountId,
      botTokenSealed: "v1.k.iv.a",
      botUserId: "U1",
      appId: "A1",
      enterpriseId: null,
      teamName: "Acme",
      installedBy: "user-1",
    };
    await putSlackInstallation(env.DB, install, 1);
    const refreshed = await putSlackInstallation(env.DB, { ...install, teamName: "Acme Inc" }, 2);
    expect(refreshed).toMatchObject({ teamName: "Acme Inc", createdAt: 1, updatedAt: 2 });
    const taken = await putSlackInstallation(
      env.DB,
      { ...install, accountId: otherAccountId, botTokenSealed: "v1.k.iv.b" },
      3,
    );
    expect(taken).toMatchObject({ accountId, botTokenSealed: "v1.k.iv.a" });
    expect((await getSlackInstallation(env.DB, teamId))?.accountId).toBe(accountId);

    await putSlackRoute(env.DB, teamId, "C1:1.0", anna, 4);
    await putSlackRoute(env.DB, teamId, "C1:1.0", ben, 5);
    expect(await getSlackRoute(env.DB, teamId, "C1:1.0")).toBe(anna);
    expect(await getSlackRoute(env.DB, teamId, "C1:2.0")).toBeNull();
  });
});

describe("firing an employee", () => {
  it("takes its channels, senders and Slack routes along", async () => {
    const cleo = await bareEmployee(accountId, "Cleo");
    await upsertChannel(
      env.DB,
      {
        accountId,
        employeeId: cleo,
        kind: "whatsapp",
        status: "connected",
        externalId: cleo,
        settings,
      },
      1,
    );
    await recordSender(
      env.DB,
      {
        accountId,
        employeeId: cleo,
        kind: "whatsapp",
        senderKey: "49170",
        displayName: null,
        email: null,
        text: "hi",
      },
      1,
    );
    await putSlackRoute(env.DB, "T-cleo", "D1", cleo, 1);
    await env.DB.prepare("DELETE FROM employees WHERE id = ?").bind(cleo).run();
    for (const table of ["channels", "channel_senders", "slack_routes"]) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE employee_id = ?`)
        .bind(cleo)
        .first<{ n: number }>();
      expect(`${table} ${row?.n}`).toBe(`${table} 0`);
    }
  });
});
