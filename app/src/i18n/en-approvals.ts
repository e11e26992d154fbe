// The English texts of the approvals inbox (routes/approvals.tsx, components/approvals/) and of an
// employee's autonomy (components/autonomy.tsx), issue 18: kept out of en.ts, which every page
// ships, and added to the English dictionary when their chunks load (approvals-texts.ts). German
// has them in de.ts's approvals block. The header's badge and the Team page's grant say theirs
// from en.ts.
export const enApprovals = {
  // ---- approvals ----
  "approvals.title": "Approvals",
  "approvals.lead":
    "What your employees asked to do before doing it. The first decision counts; a request nobody decides in time is denied.",
  "approvals.readOnly":
    "You see what is waiting, but only the owner, admins and members an admin allows may decide. Ask an admin to let you decide approvals on the Team page.",
  "approvals.pending": "Waiting for a decision",
  "approvals.empty": "Nothing is waiting for you.",
  "approvals.decidedTitle": "Decided in the last 7 days",
  "approvals.decidedEmpty": "Nothing was decided in the last 7 days.",
  "approvals.wants.exec": "{name} wants to run a command",
  "approvals.wants.tool": "{name} wants to use {tool}",
  "approvals.command": "Command",
  "approvals.cwd": "In folder",
  "approvals.warning": "OpenClaw warns: {warning}",
  "approvals.asked": "Asked",
  "approvals.conversation": "Led to it",
  "approvals.conversationUntitled": "the conversation",
  "approvals.scheduled": "A scheduled task",
  "approvals.ownWork": "Its own work, outside a conversation",
  "approvals.expires": "Expires",
  "approvals.expiresIn": "in {time}",
  "approvals.expired": "Expired",
  "approvals.allowOnce": "Approve once",
  "approvals.allowAlways": "Always allow",
  "approvals.deny": "Deny",
  "approvals.decisionsFor": "Decide {name}'s request",
  "approvals.denyTitle": "Deny {name}'s request?",
  "approvals.denyReason": "Reason (optional)",
  "approvals.denyText": "{name} is told it was denied, and why if you say.",
  "approvals.cancel": "Cancel",
  "approvals.done.allow-once": "Approved once: {name} goes on.",
  "approvals.done.allow-always":
    "Always allowed: {name} goes on and does not ask for this command again.",
  "approvals.done.deny": "Denied: {name} is told.",
  "approvals.already": "Someone came first: {what}",
  "approvals.status.pending": "Waiting",
  "approvals.status.allowed": "Allowed",
  "approvals.status.denied": "Denied",
  "approvals.status.expired": "Expired",
  "approvals.outcome.allow-once": "Approved once by {who}.",
  "approvals.outcome.allow-always": "Always allowed by {who}.",
  "approvals.outcome.deny": "Denied by {who}.",
  "approvals.outcome.allowed": "Allowed in OpenClaw.",
  "approvals.outcome.denied": "Denied in OpenClaw.",
  "approvals.outcome.expired": "Nobody decided in time, so it was denied.",
  "approvals.reason": "Reason: {reason}",
  "approvals.focusGone": "The request you followed is no longer in this list.",
  // ---- autonomy ----
  "autonomy.title": "What {name} may do without asking",
  "autonomy.ask": "Ask first",
  "autonomy.ask.text": "Every command waits until someone on your team approves it.",
  "autonomy.risky": "Ask when risky",
  "autonomy.risky.text":
    "Commands you chose to always allow run at once; anything else waits for approval.",
  "autonomy.autonomous": "Autonomous",
  "autonomy.autonomous.text": "Runs every command itself, without asking anyone.",
  "autonomy.saved": "{name} now works in “{level}” mode.",
  "autonomy.current": "{name} works in “{level}” mode. Admins and the owner change it.",
  "autonomy.suggest.risky":
    "{name}'s last {n} requests were all approved. Let it decide low-risk commands itself?",
  "autonomy.suggest.autonomous":
    "{name}'s last {n} requests were all approved. Let it run commands without asking?",
  "autonomy.suggest.ask": "{name}'s last {n} requests were all approved.",
  "autonomy.suggest.accept": "Yes, let it decide",
  "autonomy.suggest.dismiss": "Not now",
} as const;
