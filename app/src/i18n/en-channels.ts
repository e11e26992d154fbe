// The English texts of the workspace's Channels tab (components/channels/): kept out of en.ts,
// which every page ships, and added to the English dictionary when the tab's chunk loads
// (channels-panel.tsx). German has them in de.ts's channels block. The kinds' names and the
// chat's lines about a channel's conversation are in en-workspace.ts (the chat says them too).
export const enChannels = {
  // ---- channels ----
  "channels.title": "Channels",
  "channels.lead":
    "Where people reach {name} besides this page. Messages that arrive while {name} is stopped wait, and are answered once {name} works again.",
  "channels.readOnly": "Admins and the owner connect, change and remove channels.",
  "channels.status.connected": "Connected",
  "channels.status.failing": "Not working",
  "channels.status.paused": "Paused",
  "channels.status.pending": "Waiting for consent",
  "channels.status.not_connected": "Not connected",
  "channels.reason": "The service said: {reason}",
  "channels.since": "Connected since {date}",
  "channels.credential": "Saved credential",
  "channels.pausedText": "Paused: messages sent to {name} here are not taken until you resume.",
  "channels.connect": "Connect",
  "channels.connected": "{kind} is connected.",
  "channels.saved": "Saved.",
  "channels.test": "Test",
  "channels.testOk": "{kind} works.",
  "channels.testFailed": "{kind} does not work: its card says why.",
  "channels.pause": "Pause",
  "channels.resume": "Resume",
  "channels.remove": "Remove",
  "channels.removeTitle": "Remove {kind} from {name}?",
  "channels.removeText":
    "People who write to {display} no longer reach {name}, and the saved credential is deleted. The conversations so far stay in the chat.",
  "channels.removed": "{kind} was removed.",
  "channels.telegram.help":
    "In Telegram, create a bot with @BotFather (/newbot) and paste the token it gives you.",
  "channels.telegram.token": "Bot token",
  "channels.telegram.replace": "Use another bot",
  "channels.slack.help":
    "Install our app in your Slack workspace. People then write to {name} in a direct message, or mention it in a channel.",
  "channels.slack.add": "Add to Slack",
  "channels.slack.pending":
    "Finish the installation in Slack; this card updates when you come back.",
  "channels.slack.default": "Messages in this workspace that name no employee go to {name}",
  "channels.whatsapp.help":
    "From your Meta app with the WhatsApp Business Cloud API: the phone number id, a permanent access token and the app secret (all three stay encrypted here).",
  "channels.whatsapp.number": "Phone number id",
  "channels.whatsapp.token": "Access token",
  "channels.whatsapp.secret": "App secret",
  "channels.whatsapp.replace": "Change the details",
  "channels.whatsapp.webhook":
    "In your Meta app's WhatsApp configuration, under Webhook, paste these two, then subscribe to the “messages” field:",
  "channels.whatsapp.url": "Callback URL",
  "channels.whatsapp.verify": "Verify token",
  "channels.email.help":
    "People write to {name} at this address. Mail from members with a verified address is answered; other senders wait for your decision.",
  "channels.email.change": "Change the address",
  "channels.email.local": "New address",
  "channels.email.changeWarn": "Mail to the old address no longer reaches {name}.",
  "channels.email.keep": "Every employee keeps an address; pause it to stop taking mail.",
  "channels.settings": "Settings",
  "channels.notice": "Say “answering shortly” after",
  "channels.notice.help":
    "When {name} needs longer than this, the sender gets a short note that the answer is on its way.",
  "channels.notice.off": "Never",
  "channels.notice.seconds": "{n} seconds",
  "channels.notice.minute": "1 minute",
  "channels.notice.minutes": "{n} minutes",
  "channels.notice.hour": "1 hour",
  "channels.policy": "Who may write",
  "channels.policy.members": "Members of the team only",
  "channels.policy.membersHelp":
    "Anyone else's first message becomes a request you allow or block, here in this tab.",
  "channels.policy.anyone": "Anyone",
  "channels.policy.warning":
    "Anyone who finds this {kind} can talk to {name}, use what {name} knows and can do, and spend your team's AI budget. Choose this only for a public help desk.",
  "channels.policy.anyoneOn": "Anyone may write to {name} here.",
  "channels.save": "Save settings",
  // ---- pairing requests ----
  "pairing.title": "Waiting for your decision",
  "pairing.lead":
    "People outside the team wrote to {name}. Their messages wait unanswered until you allow them; blocking drops them.",
  "pairing.empty": "Nobody is waiting.",
  "pairing.leadAll":
    "People outside the team wrote to your employees. Their messages wait unanswered until you allow them; blocking drops them.",
  "pairing.from": "{who} on {kind}",
  "pairing.fromTo": "{who} on {kind}, to {name}",
  "pairing.messages.one": "{n} message waiting",
  "pairing.messages.other": "{n} messages waiting",
  "pairing.link": "Who is this?",
  "pairing.link.none": "Someone outside the team",
  "pairing.allow": "Allow",
  "pairing.block": "Block",
  "pairing.allowLabel": "Allow {who}",
  "pairing.blockLabel": "Block {who}",
  "pairing.allowed": "{who} may write to {name} now; the waiting messages are delivered.",
  "pairing.blocked": "{who} is blocked; the waiting messages were dropped.",
} as const;
