import { exports } from "cloudflare:workers";
import { type AccountLiveFrame, parseAccountLiveFrame } from "../contract/account-live.ts";
import type { ApprovalView } from "../contract/approvals.ts";
import { until } from "./chat-helpers.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import { api, hire, ORIGIN, waitForEmployee } from "./helpers.ts";
import { buildTeam, setPlan, type Team } from "./team-fixture.ts";

// What the approvals tests share (approvals-*.test.ts): a team (owner, admin, member, stranger)
// whose employee runs on a scripted node, the agent's approval events as the real agent sends
// them, the account's live socket, and a decision as a person makes it.

export interface World {
  team: Team;
  employeeId: string;
  agent: FakeAgent;
  node: { id: string; token: string };
}

export async function teamWithRunningEmployee(tag: string): Promise<World> {
  const team = await buildTeam(tag);
  await setPlan(team.accountId, "business");
  const node = await createNode();
  const agent = await FakeAgent.connect(node.token, { slots: 4 });
  const hired = await hire(team.owner.cookie, { name: "Ada" });
  await agent.completeProvision(await agent.next("container.provision"));
  await waitForEmployee(team.owner.cookie, hired.id, (e) => e.status === "running");
  return { team, employeeId: hired.id, agent, node };
}

export interface Asked {
  approvalId: string;
  command: string;
}

/** OpenClaw asked (the agent's approval.requested); returns its OpenClaw id. */
export function askApproval(
  w: Pick<World, "agent" | "employeeId">,
  over: {
    approvalId?: string;
    command?: string;
    sessionKey?: string | null;
    expiresInMs?: number;
    action?: string;
  } = {},
): Asked {
  const approvalId = over.approvalId ?? `oc-${crypto.randomUUID()}`;
  const command = over.command ?? "rm -rf /tmp/old-reports";
  const now = Date.now();
  w.agent.send({
    type: "approval.requested",
    employeeId: w.employeeId,
    containerId: null,
    approvalId,
    action: over.action ?? "exec",
    details: { command, cwd: "/home/node", warning: null },
    sessionKey: over.sessionKey ?? null,
    requestedAt: now,
    expiresAt: now + (over.expiresInMs ?? 600_000),
  });
  return { approvalId, command };
}

/** The account's pending approvals (or all), as `cookie` sees them. */
export async function approvalsOf(cookie: string, query = ""): Promise<ApprovalView[]> {
  const res = await api(`/api/approvals${query}`, { cookie });
  if (res.status !== 200) throw new Error(`approvals: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { approvals: ApprovalView[] }).approvals;
}

/** Waits until the approval OpenClaw asked is listed; its row. */
export async function listed(cookie: string, command: string): Promise<ApprovalView> {
  let found: ApprovalView | undefined;
  await until(async () => {
    found = (await approvalsOf(cookie, "?status=all")).find((a) => a.details.command === command);
    return found !== undefined;
  }, `the approval of "${command}" in the inbox`);
  if (!found) throw new Error("unreachable");
  return found;
}

export function decide(cookie: string, id: string, body: unknown): Promise<Response> {
  return api(`/api/approvals/${id}`, { method: "POST", cookie, json: body });
}

/** The account's live socket (GET /api/live) as `cookie`, keeping its frames with their time. */
export async function accountLive(cookie: string) {
  const res = await exports.default.fetch(
    new Request(new URL("/api/live", ORIGIN), { headers: { upgrade: "websocket", cookie } }),
  );
  if (res.status !== 101 || !res.webSocket) throw new Error(`live: ${res.status}`);
  const ws = res.webSocket;
  ws.accept();
  const frames: { frame: AccountLiveFrame; at: number }[] = [];
  ws.addEventListener("message", (e) => {
    const frame = parseAccountLiveFrame(e.data);
    if (frame) frames.push({ frame, at: Date.now() });
  });
  const approvals = (pred: (a: ApprovalView) => boolean) =>
    frames.flatMap(({ frame, at }) =>
      frame.type === "approval" && pred(frame.approval) ? [{ approval: frame.approval, at }] : [],
    );
  return { ws, frames, approvals };
}
