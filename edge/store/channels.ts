import { and, eq, isNull } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { type ChannelKind, type ChannelRow, channels } from "../../db/schema.ts";
import type { ChannelSettings } from "../contract/channels.ts";

// An employee's channels (db/channels): one row per kind. The channel verbs (services/channels)
// write them; the webhooks find them by provider id; the inbox reads them to send replies.

export type ChannelStoredStatus = ChannelRow["status"];

export async function getChannel(d1: D1Database, id: string): Promise<ChannelRow | null> {
  const [row] = await openDb(d1).select().from(channels).where(eq(channels.id, id)).limit(1);
  return row ?? null;
}

export async function getEmployeeChannel(
  d1: D1Database,
  employeeId: string,
  kind: ChannelKind,
): Promise<ChannelRow | null> {
  const [row] = await openDb(d1)
    .select()
    .from(channels)
    .where(and(eq(channels.employeeId, employeeId), eq(channels.kind, kind)))
    .limit(1);
  return row ?? null;
}

/** The channels serving a provider id: one for telegram, whatsapp and email; a team's for slack. */
export async function channelsByExternalId(
  d1: D1Database,
  kind: ChannelKind,
  externalId: string,
): Promise<ChannelRow[]> {
  return openDb(d1)
    .select()
    .from(channels)
    .where(and(eq(channels.kind, kind), eq(channels.externalId, externalId)));
}

export async function listEmployeeChannels(
  d1: D1Database,
  employeeId: string,
): Promise<ChannelRow[]> {
  return openDb(d1).select().from(channels).where(eq(channels.employeeId, employeeId));
}

export interface ChannelWrite {
  accountId: string;
  employeeId: string;
  kind: ChannelKind;
  status: ChannelStoredStatus;
  statusReason?: string | null;
  externalId?: string | null;
  display?: string;
  credentialSealed?: string | null;
  secretSealed?: string | null;
  credentialMasked?: string | null;
  settings: ChannelSettings;
  connectedAt?: number | null;
  createdBy?: string | null;
}

/**
 * Inserts the employee's channel of this kind, or replaces what is given of the existing one (its
 * id and created_at stay). Throws ChannelTakenError when another employee has that bot, number
 * or address (UNIQUE(kind, external_id); the caller answers 409).
 */
export async function upsertChannel(
  d1: D1Database,
  c: ChannelWrite,
  now: number,
): Promise<ChannelRow> {
  const { accountId: _a, employeeId: _e, kind: _k, createdBy: _c, ...changes } = c;
  let written: ChannelRow[];
  try {
    written = await openDb(d1)
      .insert(channels)
      .values({ id: crypto.randomUUID(), ...c, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [channels.employeeId, channels.kind],
        set: { ...changes, updatedAt: now },
      })
      .returning();
  } catch (err) {
    if (uniqueViolation(err)) throw new ChannelTakenError(c.kind);
    throw err;
  }
  const [row] = written;
  if (!row) throw new Error("channel row not written");
  return row;
}

/** The bot, number or address is another employee's channel. */
export class ChannelTakenError extends Error {
  override readonly name = "ChannelTakenError";
  readonly kind: ChannelKind;
  constructor(kind: ChannelKind) {
    super(`this ${kind} channel is connected to another employee`);
    this.kind = kind;
  }
}

// D1's message, somewhere down drizzle's wrapping causes: the only UNIQUE left to break on an
// upsert by (employee_id, kind) is the one on (kind, external_id).
function uniqueViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e.message.includes("UNIQUE constraint failed")) return true;
  return false;
}

export async function setChannelStatus(
  d1: D1Database,
  id: string,
  status: ChannelStoredStatus,
  reason: string | null,
  now: number,
): Promise<ChannelRow | null> {
  const [row] = await openDb(d1)
    .update(channels)
    .set({ status, statusReason: reason?.slice(0, 500) ?? null, updatedAt: now })
    .where(eq(channels.id, id))
    .returning();
  return row ?? null;
}

export async function setChannelSettings(
  d1: D1Database,
  id: string,
  settings: ChannelSettings,
  now: number,
): Promise<ChannelRow | null> {
  const [row] = await openDb(d1)
    .update(channels)
    .set({ settings, updatedAt: now })
    .where(eq(channels.id, id))
    .returning();
  return row ?? null;
}

/** Replaces the sealed values after a key rotation, only if the row still holds `was`. */
export async function resealChannel(
  d1: D1Database,
  id: string,
  was: Pick<ChannelRow, "credentialSealed" | "secretSealed">,
  now: Pick<ChannelRow, "credentialSealed" | "secretSealed">,
): Promise<void> {
  await openDb(d1)
    .update(channels)
    .set(now)
    .where(
      and(
        eq(channels.id, id),
        was.credentialSealed === null
          ? isNull(channels.credentialSealed)
          : eq(channels.credentialSealed, was.credentialSealed),
        was.secretSealed === null
          ? isNull(channels.secretSealed)
          : eq(channels.secretSealed, was.secretSealed),
      ),
    );
}

export async function deleteChannel(d1: D1Database, id: string): Promise<void> {
  await openDb(d1).delete(channels).where(eq(channels.id, id));
}

/** Whether an email local part is in use by any employee (email-address.ts `taken`). */
export async function emailLocalPartTaken(d1: D1Database, localPart: string): Promise<boolean> {
  const [row] = await openDb(d1)
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.kind, "email"), eq(channels.externalId, localPart)))
    .limit(1);
  return row !== undefined;
}
