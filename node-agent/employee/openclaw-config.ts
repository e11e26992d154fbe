import type { EmployeeSpec } from "../../edge/protocol/frames.ts";

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
export function openclawConfig(spec: EmployeeSpec, net: NetworkFacts): Record<string, unknown> {
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
        trustedProxy: {
          userHeader: USER_HEADER,
          requiredHeaders: ["x-forwarded-proto", "x-forwarded-host"],
          allowUsers: [spec.accountId],
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
      },
    },
    browser: {
      enabled: true,
      defaultProfile: "openclaw",
      // The supervisor runs Chromium headful under Xvfb (what noVNC shows); OpenClaw attaches.
      attachOnly: true,
      profiles: { openclaw: { cdpPort: BROWSER_CDP_PORT, attachOnly: true } },
    },
  };
}
