import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { sanitiseFileName } from "../knowledge/file-names.ts";
import { checkName, EMPLOYEE_NAME_RULES, FILE_NAME_RULES } from "../protocol/check-name.ts";
import { KnowledgeFile, parseEdgeFrame } from "../protocol/frames.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import {
  api,
  type EmployeeJson,
  errorOf,
  hire,
  hireBody,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
} from "./helpers.ts";
import { concat, filePart, multipart, postBody } from "./multipart.ts";

afterEach(removeAllEmployees);

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

// Every character that reorders display: the brief's list, one case each.
const BIDI = [
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
].map((cp) => [`bidi U+${cp.toString(16).toUpperCase()}`, `Ada${String.fromCodePoint(cp)}xyz`]);

// Names no person should be able to give an employee, by class.
const BAD_NAMES: [string, string][] = [
  ["a NUL (C0)", "Ada\u0000"],
  ["a bell (C0)", "Ada\u0007Lovelace"],
  ["a newline (C0)", "Ada\nLovelace"],
  ["a tab (C0)", "Ada\tLovelace"],
  ["an ANSI escape (C0)", "\u001b[31mAda"],
  ["DEL", "Ada\u007f"],
  ["NEL (C1)", "Ada\u0085"],
  ["CSI (C1)", "Ada\u009b31m"],
  ["a line separator", "Ada\u2028Lovelace"],
  ["a noncharacter", "Ada\uffff"],
  ...(BIDI as [string, string][]),
  ["a lone high surrogate", "Ada\ud800"],
  ["a lone low surrogate", "\udc00Ada"],
  ["U+FFFD, what a decoder leaves of bytes that are not UTF-8", "Ada\ufffd"],
  ["only no-break, ideographic and em spaces", "\u00a0\u3000\u2003"],
  ["only zero-width characters", "\u200b\u200c\u200d\u2060"],
  ["only a BOM and a soft hyphen", "\ufeff\u00ad"],
  ["only variation selectors", "\ufe0f\ufe0e\u{e0100}"],
  ["only Hangul fillers", "\u3164\u115f\uffa0"],
  ["only a blank Braille pattern", "\u2800\u2800"],
  ["only combining marks", "\u0301\u0308"],
  ["only tag characters", "\u{e0041}\u{e0064}\u{e0061}"],
  ["41 characters", "x".repeat(41)],
  ["21 emoji: 42 UTF-16 units, over the agent protocol's 40", "😀".repeat(21)],
];

const GOOD_NAMES: [string, string][] = [
  ["  Zoë  ", "Zoë"],
  ["Ame\u0301lie", "Amélie"], // decomposed in, NFC out
  ["李小龙", "李小龙"],
  ["Ana 👩‍💻", "Ana 👩‍💻"], // a zero-width joiner inside an emoji is fine
  ["😀".repeat(20), "😀".repeat(20)],
  ["x".repeat(40), "x".repeat(40)],
  ["ﾃｽﾄ", "ﾃｽﾄ"], // NFC, not NFKC: what the person typed stays
];

describe("employee names", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(uniqueEmail("names"));
  });

  it.each(BAD_NAMES)("a hire with %s is refused with 400 naming the field", async (_what, name) => {
    const res = await api("/api/employees", { method: "POST", json: hireBody({ name }), cookie });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_input");
    expect(Object.keys(error.fields ?? {})).toEqual(["name"]);
    const list = await api("/api/employees", { cookie });
    expect(((await list.json()) as { employees: unknown[] }).employees).toHaveLength(0);
  });

  it("a settings change to any of them is refused naming the field, and changes nothing", async () => {
    const mine = await hire(cookie, { name: "Ada" });
    for (const [what, name] of BAD_NAMES) {
      const res = await api(`/api/employees/${mine.id}`, {
        method: "PATCH",
        json: { name },
        cookie,
      });
      expect([what, res.status]).toEqual([what, 400]);
      expect([what, Object.keys((await errorOf(res)).fields ?? {})]).toEqual([what, ["name"]]);
    }
    const row = await env.DB.prepare("SELECT name FROM employees WHERE id = ?")
      .bind(mine.id)
      .first<{ name: string }>();
    expect(row?.name).toBe("Ada");
  });

  it.each(GOOD_NAMES)("%s is accepted and stored as %s", async (raw, stored) => {
    const res = await api("/api/employees", {
      method: "POST",
      json: hireBody({ name: raw }),
      cookie: await signIn(uniqueEmail("good-name")),
    });
    expect(res.status).toBe(201);
    const { employee } = (await res.json()) as { employee: EmployeeJson };
    expect(employee.name).toBe(stored);
    expect(employee.name.normalize("NFC")).toBe(employee.name);
  });

  it("refuses a body that is not valid UTF-8 instead of reading U+FFFD into the name", async () => {
    const cookie = await signIn(uniqueEmail("names-utf8"));
    const head = new TextEncoder().encode('{"name":"Ada');
    const tail = new TextEncoder().encode(
      `","role":"executive-assistant","tone":"friendly","skills":[]}`,
    );
    const res = await exports.default.fetch(
      new Request(new URL("/api/employees", ORIGIN), {
        method: "POST",
        body: concat([head, new Uint8Array([0xff, 0xfe]), tail]),
        headers: { cookie, "content-type": "application/json", "cf-connecting-ip": "2001:db8::9" },
      }),
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_json");
    const list = await api("/api/employees", { cookie });
    expect(((await list.json()) as { employees: unknown[] }).employees).toHaveLength(0);
  });

  it("is the check the app's pre-checks use: the same verdicts, the same limits", () => {
    for (const [, name] of BAD_NAMES) expect(checkName(name, EMPLOYEE_NAME_RULES).ok).toBe(false);
    for (const [raw, stored] of GOOD_NAMES)
      expect(checkName(raw, EMPLOYEE_NAME_RULES)).toEqual({ ok: true, name: stored });
  });
});

// File names: the same classes, as the raw bytes of a multipart header (a browser's FormData would
// escape some of them; an attacker's client does not).
const BAD_FILE_NAMES: [string, string][] = [
  ["a bell (C0)", "report\u0007.txt"],
  ["an ANSI escape (C0)", "\u001b[2Jreport.txt"],
  ["DEL", "report\u007f.txt"],
  ["NEL (C1)", "report\u0085.txt"],
  ["CSI (C1)", "report\u009b2J.txt"],
  ["a line separator", "re\u2028port.txt"],
  ...(BIDI.map(([what, name]) => [what, `${name}.txt`]) as [string, string][]),
  ["the classic extension spoof", "invoice\u202efdp.txt"],
  ["U+FFFD", "report\ufffd.txt"],
  ["only a Hangul filler before the extension", "\u3164.txt"],
  ["only zero-width characters before the extension", "\u200b\u200d.txt"],
  ["only a blank Braille pattern before the extension", "\u2800.md"],
  ["only variation selectors before the extension", "\ufe0f\ufe0e.csv"],
  ["only combining marks before the extension", "\u0301\u0308.txt"],
];

const LONG_FILE_NAMES = [
  `${"ä".repeat(150)}.txt`,
  `${"漢".repeat(100)}.md`,
  `${"𝐀".repeat(100)}.txt`, // astral letters: 4 bytes and 2 UTF-16 units each
  `${"e\u0301".repeat(90)}.pdf`, // decomposed: shorter once NFC
  `${"x".repeat(300)}.md`,
  `${"ab ".repeat(80)}.csv`,
];

describe("knowledge file names", () => {
  it.each(BAD_FILE_NAMES)("refuses %s: 400 naming the field, nothing stored", async (_w, name) => {
    expect(sanitiseFileName(name).ok).toBe(false);
    const cookie = await signIn(uniqueEmail("file-names"));
    const res = await postBody(
      "/api/knowledge",
      cookie,
      multipart([filePart("good.txt", "fine"), filePart(name, "hello")]),
    );
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_file");
    expect(error.fields?.file).toMatch(/file 2/);
    expect(await listNames(cookie)).toEqual([]);
  });

  it("refuses a name whose bytes are not UTF-8", async () => {
    const cookie = await signIn(uniqueEmail("file-utf8"));
    const name = concat([
      new TextEncoder().encode("report"),
      new Uint8Array([0xc3, 0x28]),
      new TextEncoder().encode(".txt"),
    ]);
    const res = await postBody("/api/knowledge", cookie, multipart([filePart(name, "hello")]));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).fields?.file).toBeDefined();
    expect(await listNames(cookie)).toEqual([]);
  });

  it("refuses lone surrogates where a client could hand them over directly", () => {
    expect(sanitiseFileName("report\ud800.txt").ok).toBe(false);
    expect(sanitiseFileName("\udfff.txt").ok).toBe(false);
  });

  it.each([
    ["Ame\u0301lie.txt", "Amélie.txt"],
    ["हिंदी नोट्स.md", "हिंदी नोट्स.md"], // combining vowel signs are letters' parts, not "_"
    ["报告 2026.pdf", "报告 2026.pdf"],
  ])("keeps %s as %s", (raw, want) => {
    const r = sanitiseFileName(raw);
    expect(r.ok && r.name).toBe(want);
  });

  it.each(LONG_FILE_NAMES)("bounds %#: characters and bytes, extension kept", (raw) => {
    const r = sanitiseFileName(raw);
    if (!r.ok) throw new Error(r.reason);
    expect(r.name.length).toBeLessThanOrEqual(FILE_NAME_RULES.maxLength);
    expect(bytes(r.name)).toBeLessThanOrEqual(FILE_NAME_RULES.maxBytes);
    expect(r.name.split(".").pop()).toBe(raw.split(".").pop());
    expect(r.name.normalize("NFC")).toBe(r.name);
    expect(r.name).not.toMatch(/\p{Cs}/u);
    expect(KnowledgeFile.shape.name.safeParse(r.name).success).toBe(true);
  });

  it("stores only names the agent can write, and the sync frame carries them intact", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token);
    try {
      const cookie = await signIn(uniqueEmail("file-agent"));
      const e = await hire(cookie);
      await agent.completeProvision(await agent.next("container.provision"));
      const first = await agent.next("knowledge.sync");
      agent.send({ type: "result", id: first.id, ok: true });
      const res = await postBody(
        `/api/employees/${e.id}/knowledge`,
        cookie,
        multipart(LONG_FILE_NAMES.map((n) => filePart(n, "x"))),
      );
      expect(res.status).toBe(201);
      let sync = await agent.next("knowledge.sync");
      while (sync.own.length === 0) sync = await agent.next("knowledge.sync");
      // What the agent's own parser says of the frame, and what its archive writer holds.
      expect(parseEdgeFrame(JSON.stringify(sync)).ok).toBe(true);
      expect(sync.own).toHaveLength(LONG_FILE_NAMES.length);
      for (const f of sync.own) {
        expect(bytes(f.name)).toBeLessThanOrEqual(200);
        expect(f.name.length).toBeLessThanOrEqual(FILE_NAME_RULES.maxLength);
      }
    } finally {
      agent.close();
    }
  });
});

async function listNames(cookie: string): Promise<string[]> {
  const res = await api("/api/knowledge", { cookie });
  return ((await res.json()) as { files: { name: string }[] }).files.map((f) => f.name);
}
