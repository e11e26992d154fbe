import { and, asc, desc, eq, gt, or } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import {
  employees,
  type KnowledgeFileRow,
  knowledgeFiles,
  llmUsage,
  memberships,
  type SubscriptionRow,
  subscriptions,
  users,
} from "../../db/schema.ts";
import type { TeamRole } from "../contract/team.ts";

// What an account export reads of the account: plain reads over D1, a page at a time where a
// table can be long.

export type EmployeeRow = typeof employees.$inferSelect;
export type LlmUsageRow = typeof llmUsage.$inferSelect;

export interface MemberRow {
  userId: string;
  email: string;
  name: string | null;
  role: TeamRole;
  joinedAt: number;
}

export async function membersOf(db: Db, accountId: string): Promise<MemberRow[]> {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .orderBy(asc(memberships.createdAt))
    .all();
}

export async function employeesOf(db: Db, accountId: string): Promise<EmployeeRow[]> {
  return db
    .select()
    .from(employees)
    .where(eq(employees.accountId, accountId))
    .orderBy(asc(employees.createdAt), asc(employees.id))
    .all();
}

export async function knowledgeOf(db: Db, accountId: string): Promise<KnowledgeFileRow[]> {
  return db
    .select()
    .from(knowledgeFiles)
    .where(eq(knowledgeFiles.accountId, accountId))
    .orderBy(asc(knowledgeFiles.folder), asc(knowledgeFiles.name))
    .all();
}

export async function subscriptionsOf(db: Db, accountId: string): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .orderBy(desc(subscriptions.stripeCreatedAt))
    .all();
}

const USAGE_PAGE = 1000;

/** Every usage row of the account, oldest first, a page at a time. */
export async function* usageOf(db: Db, accountId: string): AsyncGenerator<LlmUsageRow> {
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await db
      .select()
      .from(llmUsage)
      .where(
        and(
          eq(llmUsage.accountId, accountId),
          after
            ? or(
                gt(llmUsage.createdAt, after.createdAt),
                and(eq(llmUsage.createdAt, after.createdAt), gt(llmUsage.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(llmUsage.createdAt), asc(llmUsage.id))
      .limit(USAGE_PAGE)
      .all();
    yield* page;
    const last = page.at(-1);
    if (page.length < USAGE_PAGE || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
