import { and, eq, exists, inArray, isNull, ne, or } from "drizzle-orm";
import { accounts, employees, memberships, users } from "../../db/schema.ts";
import { errorFields } from "../log/logger.ts";
import { reportMail } from "../mail/report-mail.ts";
import type { Deps } from "./deps.ts";
import { civilAt, previousWeek, weekAt } from "./iso-week.ts";
import { buildReport } from "./report.ts";

// The Monday email (issue 18): from 08:00 on Monday in each account's time zone, the cron sends
// last week's team report card to the owner and the admins, once per account and week. The week
// is claimed with one conditional update of accounts.report_sent_week before anything is sent,
// so two crons running at once never both send (a send that then fails is logged, not retried:
// at most once).

/** The local hour on Monday from which the email goes. */
export const REPORT_MAIL_HOUR = 8;

/** How many accounts were sent their card. */
export async function sendWeeklyReports(deps: Deps, now: number): Promise<number> {
  // Accounts with someone to report on.
  const candidates = await deps.db
    .select({
      id: accounts.id,
      name: accounts.name,
      timeZone: accounts.timeZone,
      sentWeek: accounts.reportSentWeek,
    })
    .from(accounts)
    .where(
      exists(
        deps.db
          .select({ id: employees.id })
          .from(employees)
          .where(eq(employees.accountId, accounts.id)),
      ),
    )
    .all();
  let sent = 0;
  for (const account of candidates) {
    try {
      if (await sendOne(deps, account, now)) sent++;
    } catch (err) {
      deps.log.warn("weekly report not sent", { accountId: account.id, ...errorFields(err) });
    }
  }
  return sent;
}

async function sendOne(
  deps: Deps,
  account: { id: string; name: string; timeZone: string; sentWeek: string | null },
  now: number,
): Promise<boolean> {
  const local = civilAt(now, account.timeZone);
  if (local.weekday !== 0 || local.hour < REPORT_MAIL_HOUR) return false;
  const week = previousWeek(weekAt(now, account.timeZone));
  if (account.sentWeek === week) return false;
  const claimed = await deps.db
    .update(accounts)
    .set({ reportSentWeek: week })
    .where(
      and(
        eq(accounts.id, account.id),
        or(isNull(accounts.reportSentWeek), ne(accounts.reportSentWeek, week)),
      ),
    )
    .returning({ id: accounts.id })
    .all();
  if (claimed.length === 0) return false;
  const [card, recipients] = await Promise.all([
    buildReport(deps, account.id, week),
    deps.db
      .select({ email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(
        and(eq(memberships.accountId, account.id), inArray(memberships.role, ["owner", "admin"])),
      )
      .all(),
  ]);
  const link = `${deps.config.appOrigin}/report?week=${week}`;
  for (const { email } of recipients)
    await deps.mailer
      .send(reportMail(email, account.name, card, link))
      .catch((err: unknown) =>
        deps.log.warn("weekly report mail failed", { accountId: account.id, ...errorFields(err) }),
      );
  deps.log.info("weekly report sent", { accountId: account.id, week, to: recipients.length });
  return true;
}
