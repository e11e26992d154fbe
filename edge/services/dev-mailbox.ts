import { desc, eq, sql } from "drizzle-orm";
import { devMail } from "../../db/schema.ts";
import type { DevMail } from "../contract/account.ts";
import { normaliseEmail } from "./accounts.ts";
import type { Deps } from "./deps.ts";

export const MAILBOX_PAGE = 50;

// Newest first. A channel's reply shows its sender (the employee's address) and threading
// headers; the product's own mail has neither (from is null: it left from EMAIL_FROM).
export async function readMailbox(deps: Deps, email: string): Promise<DevMail[]> {
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
    from: m.fromAddress,
    text: m.text,
    ...(m.headers ? { headers: m.headers } : {}),
  }));
}
