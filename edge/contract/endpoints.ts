import * as z from "zod/mini";
import { DevMail, Me, SignInLink } from "./account.ts";
import { ApprovalDecide, ApprovalsQuery, ApprovalView } from "./approvals.ts";
import { AuditEventView, AuditQuery } from "./audit.ts";
import { BackupList, OneBackup } from "./backup.ts";
import { Catalogue, PaidPlanId } from "./catalogue.ts";
import { ChannelPut, ChannelView, PairingDecision, PairingRequestView } from "./channels.ts";
import {
  ChatAttachmentView,
  ChatMessage,
  ChatReadiness,
  Conversation,
  MessagePageQuery,
  NewConversation,
  SendMessage,
} from "./chat.ts";
import { AccessUrls, Employee, ListedEmployee } from "./employee.ts";
import { HireRequest, UpdateRequest } from "./employee-input.ts";
import { KnowledgeFileView, MemoryFileView } from "./knowledge.ts";
import { LedgerQuery, ReportCard, ReportQuery, WorkEntryView } from "./ledger.ts";
import { NewSchedule, SchedulePatch, ScheduleView, TimeZone } from "./schedules.ts";
import {
  AccountView,
  InvitationPreview,
  InvitationView,
  InviteRequest,
  InviteToken,
  MemberPatch,
  MemberView,
  SessionView,
} from "./team.ts";

// The JSON API as one table: each endpoint's success status, what it accepts and what it
// answers. The edge registers its routes from it (edge/http/endpoint.ts: the body and query are
// validated with these schemas and the handler must return the response's shape); the app, the
// tests and the benches call it through the generic client (client.ts), typed by the same
// entries. Renaming a field here breaks both sides' typecheck. Endpoints that answer other than
// JSON (downloads, WebSockets, redirects, the Stripe webhook, /agent, /v1) are plain routes.

export interface Endpoint {
  /** The status of a successful answer. */
  status: 200 | 201 | 202 | 204;
  /** A JSON body, or multipart/form-data read by the route itself. */
  body?: z.core.$ZodType | "multipart";
  query?: z.core.$ZodType;
  /** The JSON of a successful answer; null when it has no body. */
  response: z.core.$ZodType | null;
}

export const MagicLinkRequest = z.strictObject({
  email: z.email({ message: "Enter a valid email address." }).check(z.maxLength(254)),
});
export const MagicLinkToken = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(200)),
});
export const MailboxQuery = z.object({ email: z.email().check(z.maxLength(254)) });
export const CheckoutRequest = z.strictObject({ plan: PaidPlanId });
/** Which view the person opens (chat or browser), for the audit log; both URLs are answered. */
export const AccessQuery = z.object({ service: z.optional(z.enum(["chat", "browser"])) });

const OneEmployee = z.object({ employee: Employee });
const Files = z.object({ files: z.array(KnowledgeFileView) });
const Redirect = z.object({ url: z.string() });
const OneAccount = z.object({ account: AccountView });
// A new name, and (issue 18) the account's time zone for report weeks and the Monday email.
export const AccountRename = z
  .strictObject({
    name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
    timeZone: z.optional(TimeZone),
  })
  .check(
    z.refine((v) => v.name !== undefined || v.timeZone !== undefined, {
      message: "Nothing to change.",
    }),
  );
/** An export of the account (POST /api/account/export, GET /api/account/exports). */
export const ExportView = z.object({
  id: z.string(),
  status: z.enum(["preparing", "ready", "failed"]),
  createdAt: z.string(),
  /** Bytes of the zip; null until ready. */
  size: z.nullable(z.number()),
  /** Where to download it (session); null until ready. */
  downloadUrl: z.nullable(z.string()),
  /** Why it failed, in a sentence; null otherwise. */
  error: z.nullable(z.string()),
});
export type ExportView = z.infer<typeof ExportView>;

export const endpoints = {
  "GET /api/health": {
    status: 200,
    response: z.object({ ok: z.literal(true), version: z.string() }),
  },
  "POST /api/auth/magic-link": {
    status: 202,
    body: MagicLinkRequest,
    response: z.object({ status: z.literal("sent") }),
  },
  "GET /api/auth/magic-link": { status: 200, query: MagicLinkToken, response: SignInLink },
  "POST /api/auth/logout": { status: 204, response: null },
  "GET /api/me": { status: 200, response: Me },
  "GET /api/catalogue": { status: 200, response: Catalogue },
  "GET /api/dev/mailbox": {
    status: 200,
    query: MailboxQuery,
    response: z.object({ messages: z.array(DevMail) }),
  },
  "GET /api/employees": {
    status: 200,
    response: z.object({ employees: z.array(ListedEmployee) }),
  },
  "POST /api/employees": { status: 201, body: HireRequest, response: OneEmployee },
  "GET /api/employees/:id": { status: 200, response: OneEmployee },
  "PATCH /api/employees/:id": { status: 200, body: UpdateRequest, response: OneEmployee },
  "DELETE /api/employees/:id": {
    status: 202,
    response: z.object({ status: z.literal("removing") }),
  },
  "POST /api/employees/:id/provision": { status: 202, response: OneEmployee },
  "POST /api/employees/:id/restart": { status: 202, response: OneEmployee },
  "POST /api/employees/:id/stop": { status: 202, response: OneEmployee },
  // Backups (issue 16): the restore points, one taken now, and a restore (a backup of now is
  // taken first; the employee is `restoring` until it runs again on the chosen state).
  "GET /api/employees/:id/backups": { status: 200, response: BackupList },
  "POST /api/employees/:id/backups": { status: 202, response: OneBackup },
  "POST /api/employees/:id/backups/:backupId/restore": { status: 202, response: OneEmployee },
  "POST /api/employees/:id/access": { status: 200, query: AccessQuery, response: AccessUrls },
  "GET /api/employees/:id/memory": {
    status: 200,
    response: z.object({ files: z.array(MemoryFileView) }),
  },
  "GET /api/employees/:id/knowledge": { status: 200, response: Files },
  "POST /api/employees/:id/knowledge": { status: 201, body: "multipart", response: Files },
  "DELETE /api/employees/:id/knowledge/:fileId": { status: 204, response: null },
  "GET /api/employees/:id/conversations": {
    status: 200,
    response: z.object({ conversations: z.array(Conversation), readiness: ChatReadiness }),
  },
  "POST /api/employees/:id/conversations": {
    status: 201,
    body: NewConversation,
    response: z.object({ conversation: Conversation }),
  },
  "GET /api/employees/:id/conversations/:conversationId/messages": {
    status: 200,
    query: MessagePageQuery,
    response: z.object({
      conversation: Conversation,
      /** Oldest first. */
      messages: z.array(ChatMessage),
      /** Pass as `before` for the older page; null at the start of the conversation. */
      nextBefore: z.nullable(z.string()),
    }),
  },
  // 202: the message is stored (and counted against the trial); the answer streams over the
  // live socket as chat.message frames, and is in the history whenever it is asked for.
  "POST /api/employees/:id/conversations/:conversationId/messages": {
    status: 202,
    body: SendMessage,
    response: z.object({ message: ChatMessage, reply: ChatMessage }),
  },
  "POST /api/employees/:id/conversations/:conversationId/stop": {
    status: 202,
    response: z.object({ conversation: Conversation }),
  },
  "POST /api/employees/:id/attachments": {
    status: 201,
    body: "multipart",
    response: z.object({ attachment: ChatAttachmentView }),
  },
  // Channels (issue 17): :kind is telegram | slack | whatsapp | email. The email channel is
  // always listed (with its address) and is paused, never removed (DELETE answers 409). PUT
  // answers Slack's authorizeUrl: the browser goes there, and the channel is pending until the
  // consent comes back to /channels/slack/oauth/callback.
  "GET /api/employees/:id/channels": {
    status: 200,
    response: z.object({ channels: z.array(ChannelView) }),
  },
  "PUT /api/employees/:id/channels/:kind": {
    status: 200,
    body: ChannelPut,
    response: z.object({ channel: ChannelView, authorizeUrl: z.optional(z.string()) }),
  },
  "DELETE /api/employees/:id/channels/:kind": { status: 204, response: null },
  "POST /api/employees/:id/channels/:kind/test": {
    status: 200,
    response: z.object({ channel: ChannelView }),
  },
  // Strangers who wrote to an employee: pending until an admin allows or blocks them.
  "GET /api/pairing-requests": {
    status: 200,
    response: z.object({ requests: z.array(PairingRequestView) }),
  },
  "POST /api/pairing-requests/:id": {
    status: 200,
    body: PairingDecision,
    response: z.object({ request: PairingRequestView }),
  },
  // Trust and proof (issue 18). The approvals inbox is the whole team's; the account's live
  // socket (GET /api/live, a WebSocket: account-live.ts) pushes each request and decision.
  // The ledger also answers CSV (format=csv: a download, not this JSON).
  "GET /api/approvals": {
    status: 200,
    query: ApprovalsQuery,
    response: z.object({ approvals: z.array(ApprovalView) }),
  },
  "POST /api/approvals/:id": {
    status: 200,
    body: ApprovalDecide,
    response: z.object({ approval: ApprovalView }),
  },
  "GET /api/employees/:id/schedules": {
    status: 200,
    response: z.object({ schedules: z.array(ScheduleView) }),
  },
  "POST /api/employees/:id/schedules": {
    status: 201,
    body: NewSchedule,
    response: z.object({ schedule: ScheduleView }),
  },
  "PATCH /api/employees/:id/schedules/:scheduleId": {
    status: 200,
    body: SchedulePatch,
    response: z.object({ schedule: ScheduleView }),
  },
  "DELETE /api/employees/:id/schedules/:scheduleId": { status: 204, response: null },
  "GET /api/employees/:id/ledger": {
    status: 200,
    query: LedgerQuery,
    response: z.object({ entries: z.array(WorkEntryView) }),
  },
  "GET /api/employees/:id/report": {
    status: 200,
    query: ReportQuery,
    response: z.object({ report: ReportCard }),
  },
  "GET /api/report": {
    status: 200,
    query: ReportQuery,
    response: z.object({ report: ReportCard }),
  },
  "GET /api/knowledge": { status: 200, response: Files },
  "POST /api/knowledge": { status: 201, body: "multipart", response: Files },
  "DELETE /api/knowledge/:fileId": { status: 204, response: null },
  "POST /api/billing/checkout": { status: 200, body: CheckoutRequest, response: Redirect },
  "POST /api/billing/portal": { status: 200, response: Redirect },
  "GET /api/accounts": { status: 200, response: z.object({ accounts: z.array(AccountView) }) },
  "POST /api/accounts/:id/switch": { status: 200, response: OneAccount },
  "PATCH /api/account": { status: 200, body: AccountRename, response: OneAccount },
  "DELETE /api/account": { status: 202, response: OneAccount },
  "POST /api/account/restore": { status: 200, response: OneAccount },
  "POST /api/account/export": { status: 202, response: z.object({ export: ExportView }) },
  "GET /api/account/exports": {
    status: 200,
    response: z.object({ exports: z.array(ExportView) }),
  },
  "GET /api/team/members": { status: 200, response: z.object({ members: z.array(MemberView) }) },
  "PATCH /api/team/members/:userId": {
    status: 200,
    body: MemberPatch,
    response: z.object({ member: MemberView }),
  },
  "DELETE /api/team/members/:userId": { status: 204, response: null },
  "GET /api/team/invites": {
    status: 200,
    response: z.object({ invites: z.array(InvitationView) }),
  },
  "POST /api/team/invites": {
    status: 201,
    body: InviteRequest,
    response: z.object({ invite: InvitationView }),
  },
  "DELETE /api/team/invites/:id": { status: 204, response: null },
  "GET /api/invitation": { status: 200, query: InviteToken, response: InvitationPreview },
  "POST /api/invitation/accept": { status: 200, body: InviteToken, response: OneAccount },
  "GET /api/audit": {
    status: 200,
    query: AuditQuery,
    response: z.object({
      events: z.array(AuditEventView),
      /** Pass as `before` for the next page; null on the last. */
      nextBefore: z.nullable(z.string()),
    }),
  },
  "GET /api/sessions": { status: 200, response: z.object({ sessions: z.array(SessionView) }) },
  "DELETE /api/sessions/:id": { status: 204, response: null },
  "DELETE /api/sessions": { status: 204, response: null },
} as const satisfies Record<string, Endpoint>;

export type Endpoints = typeof endpoints;
export type EndpointKey = keyof Endpoints;

type PathOf<K> = K extends `${string} ${infer P}` ? P : never;
type ParamNames<P> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : never;

/** The path's parameters by name, e.g. {id} for "GET /api/employees/:id". */
export type PathParams<K extends EndpointKey> = { [N in ParamNames<PathOf<K>>]: string };
/** What a client sends as the body. */
export type RequestBody<K extends EndpointKey> = Endpoints[K] extends { body: infer B }
  ? B extends "multipart"
    ? FormData
    : B extends z.core.$ZodType
      ? z.input<B>
      : never
  : never;
/** The body once the edge has validated it (transforms applied). */
export type ParsedBody<K extends EndpointKey> = Endpoints[K] extends { body: infer B }
  ? B extends z.core.$ZodType
    ? z.output<B>
    : never
  : never;
export type RequestQuery<K extends EndpointKey> = Endpoints[K] extends { query: infer Q }
  ? Q extends z.core.$ZodType
    ? z.input<Q>
    : never
  : never;
export type ParsedQuery<K extends EndpointKey> = Endpoints[K] extends { query: infer Q }
  ? Q extends z.core.$ZodType
    ? z.output<Q>
    : never
  : never;
/** What a successful answer carries (undefined for an answer without a body). */
export type ResponseBody<K extends EndpointKey> = Endpoints[K]["response"] extends z.core.$ZodType
  ? z.output<Endpoints[K]["response"]>
  : undefined;
