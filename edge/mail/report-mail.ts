import type { ReportCard, ReportFigures } from "../contract/ledger.ts";
import { escapeHtml, oneLine } from "./invitation-mail.ts";
import type { OutgoingMail } from "./mailer.ts";

// The Monday email (issue 18): last week's report card of the whole team, in plain words, with a
// link to the dashboard's report. Names are typed by customers: one short line each, escaped in
// the HTML part.

const NAME_MAX = 60;

const hours = (minutes: number) => `${(minutes / 60).toFixed(1)} h`;
const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;

function line(f: ReportFigures): string {
  const pieces = Object.values(f.work).reduce((a, b) => a + b, 0);
  return [
    `${pieces} piece${pieces === 1 ? "" : "s"} of work (${f.outcomes.done} done)`,
    `${hours(f.minutesSaved)} saved`,
    `AI cost ${euros(f.costCents)}`,
    `${f.approvalsRequested} approval${f.approvalsRequested === 1 ? "" : "s"} asked, ${f.approvalsDenied} denied`,
  ].join(" · ");
}

export function reportMail(
  to: string,
  teamName: string,
  card: ReportCard,
  link: string,
): OutgoingMail {
  const team = oneLine(teamName, NAME_MAX);
  const rows = card.employees.map((e) => `${oneLine(e.name, NAME_MAX)}: ${line(e)}`);
  const lead = `What your team did in ${card.week} (${card.timeZone}):`;
  const total = `Team: ${line(card.totals)}`;
  return {
    to,
    subject: `${team}: report card for ${card.week}`,
    link,
    text: [lead, "", total, "", ...rows, "", `The whole report: ${link}`].join("\n"),
    html: `<p>${escapeHtml(lead)}</p><p><strong>${escapeHtml(total)}</strong></p><ul>${rows
      .map((r) => `<li>${escapeHtml(r)}</li>`)
      .join("")}</ul><p><a href="${escapeHtml(link)}">The whole report</a></p>`,
  };
}
