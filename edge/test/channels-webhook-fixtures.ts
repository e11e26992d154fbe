import { env, exports } from "cloudflare:workers";
import type { ChannelRow } from "../../db/schema.ts";
import { keyringFromConfig } from "../channels/channel-keyring.ts";
import { sealCredential } from "../channels/channel-secrets.ts";
import type { ChannelKind, ChannelSettings } from "../contract/channels.ts";
import { createLogger } from "../log/logger.ts";
import type { ChannelReceiveInput, ChannelReceiveResult } from "../objects/inbox/inbox-rpc.ts";
import type { ChannelInbox } from "../services/channel-inbound.ts";
import { createDeps, type Deps } from "../services/deps.ts";
import { upsertChannel } from "../store/channels.ts";
import { config } from "./channels-test-helpers.ts";

// channels-webhooks.test.ts's furniture: employees and channel rows with sealed secrets as the
// channel verbs make them, an inbox that records what reaches it, and the Worker's entry point.

export const ORIGIN = "http://localhost:8787";
export const worker = (request: Request) => exports.default.fetch(request);
export const deps = (): Deps => createDeps(env, config(), createLogger({ test: "webhooks" }));

export async function bareEmployee(accountId: string, name: string): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO employees (id, account_id, name, role, tone, skills, created_at, updated_at)
     VALUES (?1, ?2, ?3, 'assistant', 'friendly', '[]', ?4, ?4)`,
  )
    .bind(id, accountId, name, Date.now())
    .run();
  return id;
}

export async function seal(ownerId: string, value: unknown): Promise<string> {
  const keyring = keyringFromConfig(config());
  if (!keyring) throw new Error("CHANNEL_SECRETS_KEY is not set for the tests");
  return sealCredential(await keyring, ownerId, value);
}

export async function channelOf(input: {
  accountId: string;
  employeeId: string;
  kind: ChannelKind;
  externalId: string;
  secret?: unknown;
  status?: ChannelRow["status"];
  settings?: Partial<ChannelSettings>;
}): Promise<ChannelRow> {
  return upsertChannel(
    env.DB,
    {
      accountId: input.accountId,
      employeeId: input.employeeId,
      kind: input.kind,
      status: input.status ?? "connected",
      externalId: input.externalId,
      display: input.externalId,
      secretSealed: input.secret === undefined ? null : await seal(input.employeeId, input.secret),
      settings: { noticeAfterSeconds: 60, policy: "members", ...input.settings },
      connectedAt: Date.now(),
    },
    Date.now(),
  );
}

/** What channelReceive was handed, per employee; deduplicates by kind:providerMessageId. */
export class RecordingInbox implements ChannelInbox {
  readonly calls: { employeeId: string; input: ChannelReceiveInput }[] = [];
  private readonly seen = new Set<string>();

  async receive(employeeId: string, input: ChannelReceiveInput): Promise<ChannelReceiveResult> {
    this.calls.push({ employeeId, input });
    let stored = 0;
    for (const m of input.messages) {
      const key = `${input.kind}:${m.providerMessageId}`;
      if (!this.seen.has(key)) stored++;
      this.seen.add(key);
    }
    return { stored, duplicates: input.messages.length - stored };
  }

  get employees(): string[] {
    return this.calls.map((c) => c.employeeId);
  }
}

/** Milliseconds taken by `work`, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
