import { describe, expect, it } from "vitest";
import { Catalogue, STEP_IDS, STEP_TEXT } from "../contract/index.ts";
import { api, errorOf, signIn, uniqueEmail } from "./helpers.ts";

describe("the one error shape", () => {
  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      body: '{"email": ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await errorOf(res)).toEqual({
      code: "invalid_json",
      message: "The request body is not valid JSON.",
    });
  });

  it.each([
    ["a number", { email: 42 }],
    ["an array", ["a@example.com"]],
    ["null", null],
    ["no email", {}],
    ["not an address", { email: "not-an-email" }],
    ["an unknown field", { email: "a@example.com", admin: true }],
  ])("answers %s with 400 invalid_input and the offending field", async (_what, json) => {
    const res = await api("/api/auth/magic-link", { method: "POST", json });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_input");
    expect(Object.keys(error.fields ?? {})).not.toHaveLength(0);
  });

  it("answers a non-JSON content type with 415", async () => {
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      body: "email=a@example.com",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe("unsupported_media_type");
  });

  it("answers an oversized body with 413", async () => {
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email: "a@example.com", pad: "x".repeat(70_000) },
    });
    expect(res.status).toBe(413);
  });

  it("answers an unknown route with 404 in the error shape", async () => {
    const res = await api("/api/nope");
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
  });

  it("gives every response a request id", async () => {
    const res = await api("/api/health");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await api("/api/health", { headers: { "x-request-id": "req-from-app-123" } });
    expect(kept.headers.get("x-request-id")).toBe("req-from-app-123");
    const replaced = await api("/api/health", { headers: { "x-request-id": "<script>" } });
    expect(replaced.headers.get("x-request-id")).not.toBe("<script>");
  });
});

describe("CSRF protection", () => {
  it("refuses a state-changing request from another origin", async () => {
    const email = uniqueEmail("csrf");
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("csrf_rejected");
  });

  it("refuses a cross-site logout, which keeps the session alive", async () => {
    const cookie = await signIn(uniqueEmail("csrf-logout"));
    const res = await api("/api/auth/logout", {
      method: "POST",
      cookie,
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(res.status).toBe(403);
    expect((await api("/api/me", { cookie })).status).toBe(200);
  });

  it("accepts the app's own origin", async () => {
    const res = await api("/api/auth/magic-link", {
      method: "POST",
      json: { email: uniqueEmail("same") },
      headers: { origin: "http://localhost:8787", "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(202);
  });
});

describe("health and catalogue", () => {
  it("reports health and version", async () => {
    const res = await api("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: "test" });
  });

  it("serves plans, roles, skills and tones that refer to each other consistently", async () => {
    const res = await api("/api/catalogue");
    expect(res.status).toBe(200);
    const body = Catalogue.parse(await res.json());
    expect(body.plans.map((p) => p.id)).toEqual(["trial", "starter", "pro", "business"]);
    for (const p of body.plans) {
      expect(p.maxEmployees).toBeGreaterThan(0);
      expect(p.includes.length).toBeGreaterThan(0);
    }
    expect(body.roles.length).toBeGreaterThanOrEqual(6);
    const skillIds = new Set(body.skills.map((s) => s.id));
    for (const role of body.roles)
      for (const s of role.defaultSkills) expect(skillIds).toContain(s);
    expect(body.tones.length).toBeGreaterThan(0);
  });

  it("serves the English text of every lifecycle step by the id the employee object carries", async () => {
    const { steps } = Catalogue.parse(await (await api("/api/catalogue")).json());
    expect(steps.map((s) => s.id)).toEqual([...STEP_IDS]);
    for (const s of steps) expect(s.name).toBe(STEP_TEXT[s.id]);
  });
});
