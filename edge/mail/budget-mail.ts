import { escapeHtml, oneLine } from "./invitation-mail.ts";
import type { OutgoingMail } from "./mailer.ts";

// The owner's emails about an employee's own AI budget (issue 18), each sent once a month: at
// 80 % and when it is spent. English, as the owner's language is not known here. The name is
// typed by customers: one short line in the subject, escaped in the HTML part; the link is ours
// (the employee's settings, where the owner raises it).

const SUBJECT_NAME_MAX = 60;

export interface BudgetMailInput {
  to: string;
  name: string;
  notice: "warning" | "spent";
  limitCents: number;
  spentCents: number;
  link: string;
}

const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;

export function budgetMail(input: BudgetMailInput): OutgoingMail {
  const name = oneLine(input.name, SUBJECT_NAME_MAX);
  const subject =
    input.notice === "warning"
      ? `${name} has used 80 % of its AI budget`
      : `${name} has used all of its AI budget for this month`;
  const lead =
    input.notice === "warning"
      ? `${name} has used ${euros(input.spentCents)} of its own AI budget of ${euros(input.limitCents)} this month. At the budget it stops working until next month, or until you raise it.`
      : `${name} has used its whole AI budget of ${euros(input.limitCents)} for this month and has stopped working: its conversations and scheduled work wait until next month, or until you raise the budget.`;
  const open = "Raise the budget";
  const why = `You own this InstantWorker account; we email you once a month when an employee's budget runs low and when it is spent.`;
  return {
    to: input.to,
    subject,
    link: input.link,
    text: `${lead}\n\n${open}:\n\n${input.link}\n\n${why}`,
    html: `<p>${escapeHtml(lead)}</p><p><a href="${escapeHtml(input.link)}">${escapeHtml(open)}</a></p><p>${escapeHtml(why)}</p>`,
  };
}
