import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { importVerifyKey, verifyAccessToken } from "../protocol/access-token.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import {
  api,
  errorOf,
  hire,
  removeAllEmployees,
  signIn,
  uniqueEmail,
  waitForEmployee,
} from "./helpers.ts";

afterEach(removeAllEmployees);

const access = (cookie: string, id: string, envOverride?: Partial<Cloudflare.Env>) =>
  api(`/api/employees/${id}/access`, { method: "POST", cookie, envOverride });

describe("POST /api/employees/:id/access", () => {
  it("returns short-lived chat and browser URLs whose tokens the agents' public key verifies", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token, { slots: 1 });
    const cookie = await signIn(uniqueEmail("access"));
    const hired = await hire(cookie);
    await agent.completeProvision(await agent.next("container.provision"));
    await waitForEmployee(cookie, hired.id, (e) => e.status === "running");

    const res = await access(cookie, hired.id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { chatUrl: string; browserUrl: string; expiresAt: string };
    const chat = new URL(body.chatUrl);
    const browser = new URL(body.browserUrl);
    expect(chat.host).toBe(`${hired.id}.gw.localhost:8790`);
    expect(browser.host).toBe(`${hired.id}.vnc.localhost:8790`);
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    const key = await importVerifyKey(env.TEST_ACCESS_VERIFY_KEY);
    expect(await verifyAccessToken(key, chat.searchParams.get("access") ?? "")).toMatchObject({
      e: hired.id,
      s: "chat",
    });
    expect(await verifyAccessToken(key, browser.searchParams.get("access") ?? "")).toMatchObject({
      e: hired.id,
      s: "browser",
    });
    // Nothing of OpenClaw's own credentials or a container port is in what the customer gets.
    expect(JSON.stringify(body)).not.toMatch(/18789|6080|gateway_token|OPENCLAW/i);
    agent.close();
  });

  it("answers 409 while the employee is not working, 404 for another account, 503 unconfigured", async () => {
    const cookie = await signIn(uniqueEmail("access-409"));
    const hired = await hire(cookie); // waiting for a server
    const res = await access(cookie, hired.id);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("employee_not_running");
    const other = await signIn(uniqueEmail("access-other"));
    expect((await access(other, hired.id)).status).toBe(404);
    await env.DB.prepare("UPDATE employees SET status = 'running' WHERE id = ?")
      .bind(hired.id)
      .run();
    const off = await access(cookie, hired.id, { ACCESS_SIGNING_KEY: "" });
    expect(off.status).toBe(503);
    expect((await errorOf(off)).code).toBe("access_not_configured");
  });
});
