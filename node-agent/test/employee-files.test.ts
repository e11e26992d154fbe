import { describe, expect, it } from "vitest";
import { clientAddress, LOCAL_BROWSER_ADDRESS } from "../access/access-proxy.ts";
import {
  AGENT_CONTROL_USER,
  openclawConfig,
  RELAY_KEY_PLACEHOLDER,
} from "../employee/openclaw-config.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";

const spec = {
  employeeId: "e1",
  accountId: "u1",
  name: "Ada",
  role: "researcher",
  tone: "concise",
  skills: ["web-research"],
  llm: { baseUrl: "https://edge.example/v1", apiKey: "iwk_abcdefghijklmnopqrstuvwxyz" },
  customer: { name: "Grace", email: "grace@example.com" },
  chatOrigin: "https://e1.gw.example.com",
};
const net = { proxyAddress: "172.20.0.1", llmBaseUrl: "http://172.20.0.1:8791/v1" };

describe("an employee's OpenClaw config and workspace", () => {
  it("trusts only the node's proxy, only the owner, and the chat origin; the model is the gateway", () => {
    const c = openclawConfig(spec, net) as {
      gateway: {
        trustedProxies: string[];
        auth: { mode: string; trustedProxy: { allowUsers: string[] } };
        controlUi: { allowedOrigins: string[] };
      };
      models: { providers: Record<string, { baseUrl: string; apiKey: string }> };
    };
    expect(c.gateway.trustedProxies).toEqual(["172.20.0.1/32"]);
    expect(c.gateway.auth.mode).toBe("trusted-proxy");
    // The account, and the agent's own control identity (issue 18), nobody else.
    expect(c.gateway.auth.trustedProxy.allowUsers).toEqual(["u1", AGENT_CONTROL_USER]);
    expect(c.gateway.controlUi.allowedOrigins).toEqual(["https://e1.gw.example.com"]);
    expect(c.models.providers.instantworker).toMatchObject({
      baseUrl: net.llmBaseUrl,
      apiKey: RELAY_KEY_PLACEHOLDER,
    });
    expect(JSON.stringify(c)).not.toMatch(/sk-|OPENAI/);
  });

  it("holds no gateway key, so a settings change (a spec without one) writes the same file", () => {
    const config = (s: typeof spec | Omit<typeof spec, "llm">) =>
      workspaceEntries(s, net)
        .find((e) => e.path === "openclaw/openclaw.json")
        ?.content?.toString() ?? "";
    const { llm: _key, ...settingsChange } = spec;
    expect(config(spec)).not.toContain(spec.llm.apiKey);
    expect(config(spec)).not.toContain("iwk_");
    expect(config(settingsChange)).toBe(config(spec));
  });

  it("renders the role's files with the names filled in; openclaw.json only for the owner", () => {
    const entries = workspaceEntries(spec, net);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get("workspace/IDENTITY.md")?.content?.toString()).toContain("Ada");
    expect(byPath.get("workspace/USER.md")?.content?.toString()).toContain("Grace");
    expect(byPath.has("workspace/skills/web-research/SKILL.md")).toBe(true);
    expect(byPath.get("openclaw/openclaw.json")?.mode).toBe(0o600);
    expect(entries.every((e) => e.uid === 1000)).toBe(true);
    // What the employee writes itself is never overwritten by a re-render.
    expect([...byPath.keys()].some((p) => p.includes("MEMORY.md"))).toBe(false);
  });
});

describe("the client address the access proxy forwards", () => {
  it("is the peer, or what Caddy on this node says, never loopback", () => {
    expect(clientAddress("203.0.113.9", "198.51.100.1")).toBe("203.0.113.9");
    expect(clientAddress("::ffff:203.0.113.9", undefined)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", "198.51.100.7")).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", "10.0.0.1, 198.51.100.7")).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", undefined)).toBe(LOCAL_BROWSER_ADDRESS);
    expect(clientAddress("::1", "127.0.0.1")).toBe(LOCAL_BROWSER_ADDRESS);
  });
});
