import type { AutonomyLevel, EmployeeSpec } from "../../edge/protocol/frames.ts";

// Where things live inside the employee's volume (mounted at /data; see infra/employee/Dockerfile).
export const STATE_DIR = "openclaw"; // OPENCLAW_STATE_DIR=/data/openclaw
export const WORKSPACE_DIR = "workspace";
export const OWN_FILES_DIR = `${WORKSPACE_DIR}/files`;
export const TEAM_FILES_DIR = `${WORKSPACE_DIR}/team-files`;
export const GATEWAY_PORT = 18789;
// Chromium's DevTools port inside the container (infra/employee/supervise.mjs starts it).
export const BROWSER_CDP_PORT = 18800;
// The header the access proxy sets after it verified an edge-signed token. OpenClaw trusts it
// only from the proxy's address on the employee network.
export const USER_HEADER = "x-forwarded-user";
// The model alias the edge's LLM gateway routes (cheaper or stronger model per turn).
export const MODEL_ALIAS = "auto";
export const PROVIDER_ID = "instantworker";
// What openclaw.json names as the provider's key. The employee's real gateway key never enters
// the container: the LLM relay knows the caller by its address and attaches the key itself (and
// drops whatever Authorization the container sends, this included). OpenClaw requires a non-empty
// apiKey for an openai-completions provider, so it gets this fixed placeholder.
export const RELAY_KEY_PLACEHOLDER = "attached-by-the-instantworker-relay";

// The agent's control socket (issue 18: approvals and automations) is admitted as this proxy
// identity, never as the account: OpenClaw grants it operator.admin for this connection only
// (gateway.auth.identityScopes), which cron.add/update/remove need. It is no UUID, so no account's
// edge-signed access token can name it, and the access proxy always overwrites x-forwarded-user.
export const AGENT_CONTROL_USER = "iw-node-agent@instantworker.invalid";
export const AGENT_CONTROL_IDENTITY_SCOPES = [
  "operator.read",
  "operator.approvals",
  "operator.admin",
];

// How an autonomy level reads in OpenClaw's exec policy (docs/tools/exec-approvals.md). Commands
// run on the gateway host, which is the employee's container (it is the sandbox). No askFallback
// here: it lives in OpenClaw's host approvals document, which we never write, and defaults to
// deny there: an approval nobody decides (OpenClaw waits 30 minutes, not configurable) is denied.
export function execPolicy(autonomy: AutonomyLevel | undefined): Record<string, unknown> {
  switch (autonomy ?? "ask") {
    // Every command asks; "always" has no tools.exec.mode equivalent, so the legacy pair (with
    // no mode beside it, or the config is refused). allow-always adds to the allowlist but
    // does not stop the asking.
    case "ask":
      return { host: "gateway", security: "allowlist", ask: "always" };
    // Allowlist and ask on a miss: "allow-always" grows the allowlist.
    case "risky":
      return { host: "gateway", mode: "ask" };
    default:
      return { host: "gateway", mode: "full" };
  }
}

/** What the last schedules.sync said of the heartbeat (null: never synced, OpenClaw's default). */
export type HeartbeatFacts = {
  workingHours: { start: string; end: string; timeZone: string } | null;
  paused: boolean;
} | null;

// The heartbeat as working hours make it: every 30 minutes in its own session, delivered nowhere
// (a turn to look at things, not a message to anyone), only within the hours; off ("0m") without
// working hours or while paused. OpenClaw's activeHours know no days.
export const HEARTBEAT_EVERY = "30m";
export function heartbeatConfig(facts: HeartbeatFacts): Record<string, unknown> | undefined {
  if (!facts) return undefined;
  const hours = facts.workingHours;
  if (!hours || facts.paused) return { every: "0m" };
  return {
    every: HEARTBEAT_EVERY,
    target: "none",
    isolatedSession: true,
    activeHours: { start: hours.start, end: hours.end, timezone: hours.timeZone },
  };
}

export interface NetworkFacts {
  /** The node's own address on the employee network: where the access proxy and the LLM relay
   *  reach the container from, and the only proxy OpenClaw trusts. */
  proxyAddress: string;
  /** The LLM gateway as the container reaches it (the agent's relay on proxyAddress). */
  llmBaseUrl: string;
}

// One employee's openclaw.json (OpenClaw reads it strictly: every key here exists in its schema;
// `openclaw config validate` in the image test checks that). Nothing in it is a key: the model
// provider is the agent's relay, which attaches this employee's gateway key on the way out. So the
// file is the same before and after every settings change, and holds nothing worth reading.
export function openclawConfig(
  spec: EmployeeSpec,
  net: NetworkFacts,
  heartbeat: HeartbeatFacts = null,
): Record<string, unknown> {
  const beat = heartbeatConfig(heartbeat);
  return {
    gateway: {
      mode: "local",
      bind: "lan",
      port: GATEWAY_PORT,
      // Authentication happens in the node's access proxy (edge-signed, short-lived, one
      // employee and scope); OpenClaw accepts the identity it forwards, from that address only.
      trustedProxies: [`${net.proxyAddress}/32`],
      auth: {
        mode: "trusted-proxy",
        identityScopes: { [AGENT_CONTROL_USER]: AGENT_CONTROL_IDENTITY_SCOPES },
        trustedProxy: {
          userHeader: USER_HEADER,
          requiredHeaders: ["x-forwarded-proto", "x-forwarded-host"],
          // The account first: the chat relay reads who the employee works for there.
          allowUsers: [spec.accountId, AGENT_CONTROL_USER],
          // The owner's browser is enrolled without a pairing prompt nobody could answer.
          deviceAutoApprove: {
            enabled: true,
            scopes: ["operator.read", "operator.write", "operator.approvals", "operator.questions"],
          },
        },
      },
      controlUi: { allowedOrigins: spec.chatOrigin ? [spec.chatOrigin] : [] },
    },
    models: {
      mode: "replace",
      providers: {
        [PROVIDER_ID]: {
          baseUrl: net.llmBaseUrl,
          apiKey: RELAY_KEY_PLACEHOLDER,
          api: "openai-completions",
          models: [
            {
              id: MODEL_ALIAS,
              name: "InstantWorker",
              reasoning: false,
              input: ["text"],
              contextWindow: 128000,
              maxTokens: 8192,
            },
          ],
        },
      },
    },
    agents: {
      defaults: {
        workspace: `/data/${WORKSPACE_DIR}`,
        model: { primary: `${PROVIDER_ID}/${MODEL_ALIAS}` },
        ...(beat ? { heartbeat: beat } : {}),
      },
    },
    tools: { exec: execPolicy(spec.autonomy) },
    browser: {
      enabled: true,
      defaultProfile: "openclaw",
      // The supervisor runs Chromium headful under Xvfb (what noVNC shows); OpenClaw attaches.
      attachOnly: true,
      profiles: { openclaw: { cdpPort: BROWSER_CDP_PORT, attachOnly: true } },
    },
  };
}
