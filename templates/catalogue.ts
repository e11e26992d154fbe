// The employee catalogue: the roles that templates/ provides, the skills a customer can pick,
// and the tones. The edge serves it at /api/catalogue and validates hires against it; the node
// agent renders each role's folder beside this file with the employee's choices.
export interface Role {
  id: string;
  name: string;
  description: string;
  defaultSkills: string[];
  /** Minutes of a person's work one piece of work saves, per kind (issue 18's report card);
   * the owner may set an employee's own (employees.minutes_saved). */
  minutesSaved: { chat: number; channel: number; schedule: number; heartbeat: number };
}

export interface Skill {
  id: string;
  name: string;
  description: string;
}

export interface Tone {
  id: string;
  name: string;
  description: string;
}

export const skills: readonly Skill[] = [
  {
    id: "email-drafting",
    name: "Email drafting",
    description: "Writes and answers emails in your voice.",
  },
  {
    id: "calendar",
    name: "Calendar",
    description: "Proposes times, prepares meetings, sends reminders.",
  },
  {
    id: "web-research",
    name: "Web research",
    description: "Finds, compares and cites sources on the web.",
  },
  {
    id: "browser-tasks",
    name: "Browser tasks",
    description: "Fills in forms and works through websites for you.",
  },
  {
    id: "customer-replies",
    name: "Customer replies",
    description: "Answers customer questions from your knowledge base.",
  },
  {
    id: "faq-upkeep",
    name: "FAQ upkeep",
    description: "Turns repeated questions into help articles.",
  },
  {
    id: "lead-research",
    name: "Lead research",
    description: "Finds and qualifies prospects that fit your market.",
  },
  {
    id: "outreach",
    name: "Outreach",
    description: "Writes personal first messages and follow-ups.",
  },
  {
    id: "social-posts",
    name: "Social posts",
    description: "Plans and drafts posts for your channels.",
  },
  {
    id: "blog-writing",
    name: "Blog writing",
    description: "Drafts articles and newsletters from a brief.",
  },
  { id: "seo", name: "SEO", description: "Researches keywords and improves pages for search." },
  {
    id: "report-writing",
    name: "Report writing",
    description: "Summarises findings into clear reports.",
  },
  {
    id: "document-summaries",
    name: "Document summaries",
    description: "Reads long documents and pulls out what matters.",
  },
  {
    id: "bookkeeping",
    name: "Bookkeeping",
    description: "Sorts receipts and invoices and keeps ledgers tidy.",
  },
  {
    id: "spreadsheets",
    name: "Spreadsheets",
    description: "Builds and maintains spreadsheets and lists.",
  },
];

export const roles: readonly Role[] = [
  {
    id: "executive-assistant",
    name: "Executive assistant",
    description: "Keeps your inbox, calendar and to-dos under control.",
    defaultSkills: ["email-drafting", "calendar", "document-summaries"],
    minutesSaved: { chat: 5, channel: 5, schedule: 15, heartbeat: 2 },
  },
  {
    id: "customer-support",
    name: "Customer support",
    description: "Answers customers quickly and kindly, from what you taught it.",
    defaultSkills: ["customer-replies", "faq-upkeep", "email-drafting"],
    minutesSaved: { chat: 6, channel: 8, schedule: 10, heartbeat: 1 },
  },
  {
    id: "sales",
    name: "Sales",
    description: "Finds leads, researches them and writes the first message.",
    defaultSkills: ["lead-research", "outreach", "web-research"],
    minutesSaved: { chat: 8, channel: 8, schedule: 20, heartbeat: 2 },
  },
  {
    id: "marketing-content",
    name: "Marketing and content",
    description: "Plans and writes posts, articles and newsletters.",
    defaultSkills: ["social-posts", "blog-writing", "seo"],
    minutesSaved: { chat: 10, channel: 8, schedule: 30, heartbeat: 2 },
  },
  {
    id: "researcher",
    name: "Researcher",
    description: "Digs into a question and comes back with a sourced answer.",
    defaultSkills: ["web-research", "report-writing", "document-summaries"],
    minutesSaved: { chat: 12, channel: 10, schedule: 30, heartbeat: 2 },
  },
  {
    id: "operations-bookkeeping",
    name: "Operations and bookkeeping",
    description: "Keeps the paperwork, numbers and lists of the business in order.",
    defaultSkills: ["bookkeeping", "spreadsheets", "browser-tasks"],
    minutesSaved: { chat: 8, channel: 6, schedule: 20, heartbeat: 2 },
  },
];

export const tones: readonly Tone[] = [
  { id: "professional", name: "Professional", description: "Clear, polite and to the point." },
  { id: "friendly", name: "Friendly", description: "Warm and approachable, still precise." },
  { id: "concise", name: "Concise", description: "As few words as the job needs." },
  { id: "enthusiastic", name: "Enthusiastic", description: "Energetic and positive." },
];
