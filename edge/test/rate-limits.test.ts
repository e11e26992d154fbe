import { afterEach, describe, expect, it } from "vitest";
import {
  ACCESS_PER_USER,
  HIRES_PER_USER,
  KNOWLEDGE_UPLOADS_PER_USER,
  type Limit,
  MEMORY_READS_PER_USER,
  SETTINGS_CHANGES_PER_USER,
} from "../services/rate-limits.ts";
import {
  type ApiInit,
  api,
  errorOf,
  hire,
  hireBody,
  removeAllEmployees,
  signIn,
  uniqueEmail,
} from "./helpers.ts";
import { filePart, multipart, postBody } from "./multipart.ts";

afterEach(removeAllEmployees);

// Each test sends a limit's worth of requests and more.
const FLOOD_TIMEOUT_MS = 30_000;

// A few more than the limit's burst: had they counted, the person's own request would be refused.
const flood = (limit: Limit) => limit.limit + 5;

async function times(n: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  // In small batches: quick, without piling hundreds of requests onto one limiter at once.
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, (_, j) => send(i + j)),
    );
    statuses.push(...batch.map((r) => r.status));
  }
  return statuses;
}

// Two people: the victim, whose limits must hold, and someone whose employee the victim's session
// asks about (a foreign id must count nothing).
async function people() {
  const victim = await signIn(uniqueEmail("rl-victim"));
  const other = await signIn(uniqueEmail("rl-other"));
  const theirs = await hire(other);
  return { victim, theirs };
}

const req = (path: string, cookie: string, init: ApiInit = {}) => api(path, { cookie, ...init });

describe("rate limits count only requests that could succeed", () => {
  it(
    "access URLs: foreign and unknown employees take nothing from the person's limit",
    async () => {
      const { victim, theirs } = await people();
      const statuses = await times(flood(ACCESS_PER_USER), (i) =>
        req(`/api/employees/${i % 2 ? theirs.id : crypto.randomUUID()}/access`, victim, {
          method: "POST",
        }),
      );
      expect(new Set(statuses)).toEqual(new Set([404]));
      // The person's own (not yet running) employee: refused for what it is, not for the flood.
      const mine = await hire(victim);
      const res = await req(`/api/employees/${mine.id}/access`, victim, { method: "POST" });
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe("employee_not_running");
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    "memory views: foreign and unknown employees take nothing",
    async () => {
      const { victim, theirs } = await people();
      const statuses = await times(flood(MEMORY_READS_PER_USER), (i) =>
        req(`/api/employees/${i % 2 ? theirs.id : crypto.randomUUID()}/memory`, victim),
      );
      expect(new Set(statuses)).toEqual(new Set([404]));
      const mine = await hire(victim);
      const res = await req(`/api/employees/${mine.id}/memory`, victim);
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe("memory_unavailable");
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    "uploads: malformed, refused and foreign uploads take nothing",
    async () => {
      const { victim, theirs } = await people();
      const bad: (() => Promise<Response>)[] = [
        () =>
          postBody(
            `/api/employees/${theirs.id}/knowledge`,
            victim,
            multipart([filePart("a.txt", "x")]),
          ),
        () => postBody("/api/knowledge", victim, multipart([filePart("tool.exe", "MZ")])),
        () => postBody("/api/knowledge", victim, multipart([filePart("bell\u0007.txt", "x")])),
        () => postBody("/api/knowledge", victim, multipart([filePart("empty.txt", "")])),
        () => req("/api/knowledge", victim, { method: "POST", json: { file: "x" } }),
        () => postBody("/api/knowledge", victim, new TextEncoder().encode("not multipart at all")),
      ];
      const statuses = await times(flood(KNOWLEDGE_UPLOADS_PER_USER), (i) =>
        (bad[i % bad.length] as () => Promise<Response>)(),
      );
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      const res = await postBody(
        "/api/knowledge",
        victim,
        multipart([filePart("notes.md", "# hi")]),
      );
      expect(res.status).toBe(201);
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    "hires: malformed hires take nothing",
    async () => {
      const victim = await signIn(uniqueEmail("rl-hire"));
      const statuses = await times(flood(HIRES_PER_USER), (i) =>
        req("/api/employees", victim, {
          method: "POST",
          json: hireBody(i % 2 ? { name: "\u202e" } : { role: "astronaut" }),
        }),
      );
      expect(new Set(statuses)).toEqual(new Set([400]));
      expect(
        (await req("/api/employees", victim, { method: "POST", json: hireBody() })).status,
      ).toBe(201);
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    "settings changes: foreign and malformed ones take nothing",
    async () => {
      const { victim, theirs } = await people();
      const mine = await hire(victim);
      const statuses = await times(flood(SETTINGS_CHANGES_PER_USER), (i) =>
        req(`/api/employees/${i % 2 ? theirs.id : mine.id}`, victim, {
          method: "PATCH",
          json: i % 2 ? { name: "Mine now" } : { name: "bad\u0000name" },
        }),
      );
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      const res = await req(`/api/employees/${mine.id}`, victim, {
        method: "PATCH",
        json: { name: "Grace" },
      });
      expect(res.status).toBe(200);
    },
    FLOOD_TIMEOUT_MS,
  );
});

describe("settings changes are rate-limited", () => {
  it(
    `allows ${SETTINGS_CHANGES_PER_USER.limit} changes per ${SETTINGS_CHANGES_PER_USER.windowMs / 60_000} minutes, then 429 with Retry-After`,
    async () => {
      const cookie = await signIn(uniqueEmail("rl-settings"));
      const mine = await hire(cookie);
      const statuses = await times(SETTINGS_CHANGES_PER_USER.limit, (i) =>
        req(`/api/employees/${mine.id}`, cookie, { method: "PATCH", json: { name: `Ada ${i}` } }),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
      const over = await req(`/api/employees/${mine.id}`, cookie, {
        method: "PATCH",
        json: { tone: "concise" },
      });
      expect(over.status).toBe(429);
      expect((await errorOf(over)).code).toBe("rate_limited");
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another person's changes are their own.
      const other = await signIn(uniqueEmail("rl-settings-other"));
      const theirs = await hire(other);
      expect(
        (
          await req(`/api/employees/${theirs.id}`, other, {
            method: "PATCH",
            json: { name: "Lin" },
          })
        ).status,
      ).toBe(200);
    },
    FLOOD_TIMEOUT_MS,
  );
});
