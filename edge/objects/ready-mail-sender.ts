import { openDb } from "../../db/client.ts";
import { type Env, parseConfig } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import { readyMail } from "../mail/ready-mail.ts";
import { selectMailer } from "../mail/select-mailer.ts";
import { memberEmail } from "../store/employees.ts";
import type { EmployeeRecord, ReadyNotice } from "./employee-record.ts";

// "<name> is ready", to whoever hired the employee, with the link to its workspace. Someone who
// has left the account since is not written to: the link would open nothing for them.
export async function sendReadyMail(
  env: Env,
  log: Logger,
  r: EmployeeRecord,
  notice: ReadyNotice,
): Promise<void> {
  const to = await memberEmail(env.DB, r.accountId, notice.userId);
  if (!to) {
    log.info("ready email not sent: its person left the account", { userId: notice.userId });
    return;
  }
  const config = parseConfig(env);
  const link = new URL(`/employees/${encodeURIComponent(r.id)}`, config.appOrigin).href;
  await selectMailer(config, openDb(env.DB), log).send(
    readyMail({ to, name: r.name, link, lang: notice.lang }),
  );
  log.info("ready email sent", { userId: notice.userId, lang: notice.lang });
}
