import { desc, eq, sql } from "drizzle-orm";
import { devMail } from "../../db/schema.ts";
import { normaliseEmail } from "./accounts.ts";
import type { Deps } from "./deps.ts";

export const MAILBOX_PAGE = 50;

export async function readMailbox(deps: Deps, email: string) {
  const rows = await deps.db
    .select()
    .from(devMail)
    .where(eq(devMail.to, normaliseEmail(email)))
    .orderBy(desc(devMail.sentAt), desc(sql`rowid`))
    .limit(MAILBOX_PAGE);
  return rows.map((m) => ({
    to: m.to,
    subject: m.subject,
    link: m.link,
    sentAt: new Date(m.sentAt).toISOString(),
  }));
}
