// Generated hostile input for the hub connection: frames from the edge, from wrong JSON to bytes
// the WebSocket protocol forbids. Seeded, so a failure can be replayed.
import { pickFrom, prng } from "./fuzz-requests.ts";

const VALID_FRAMES = (employeeId: string): unknown[] => [
  { type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs: 10_000 },
  { type: "rejected", reason: "x" },
  { type: "container.stop", id: "c1", employeeId },
  { type: "memory.read", id: "m1", employeeId },
  // No inventory.reconcile: a mutated `keep` is a legitimate order to remove the node's employee.
];

function mutateValue(r: () => number, v: unknown, depth = 0): unknown {
  const pick = pickFrom(r);
  if (depth > 3 || r() < 0.3)
    return pick([
      null,
      true,
      -1,
      0,
      1e308,
      2 ** 53 + 1,
      "",
      "x".repeat(Math.floor(r() * 2000)),
      "../../etc/passwd",
      "\u0000",
      "💥",
      [],
      {},
      { __proto__: { polluted: true } },
      [1, [2, [3]]],
      undefined,
    ]);
  if (Array.isArray(v)) return v.map((x) => mutateValue(r, x, depth + 1));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (r() < 0.15) continue;
      out[r() < 0.1 ? pick(["type", "id", "__proto__", "constructor", "", "employeeId"]) : k] =
        r() < 0.4 ? mutateValue(r, x, depth + 1) : x;
    }
    return out;
  }
  return mutateValue(r, null, 4);
}

export interface FuzzFrame {
  data: string | Buffer;
  binary: boolean;
}

/** Frames the hub must ignore (or answer with a failed result): none may end the connection. */
export function* appFrames(seed: number, count: number, employeeId: string): Generator<FuzzFrame> {
  const r = prng(seed);
  const pick = pickFrom(r);
  for (let i = 0; i < count; i++) {
    const k = r();
    if (k < 0.45) {
      let text = JSON.stringify(mutateValue(r, pick(VALID_FRAMES(employeeId)))) ?? "null";
      // A command for someone this node does not run must not touch the one it does.
      text = text.replaceAll(employeeId, `zz${i}`);
      yield { data: text, binary: false };
    } else if (k < 0.6) {
      const text = JSON.stringify(pick(VALID_FRAMES(`zz${i}`)));
      const at = Math.floor(r() * text.length);
      yield {
        data:
          text.slice(0, at) +
          pick(["", "}", "{", '"', "\\", ",", "]", "\u0000"]) +
          text.slice(at + 1),
        binary: false,
      };
    } else if (k < 0.7) {
      yield {
        data: Buffer.from(
          Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256)),
        ),
        binary: true,
      };
    } else if (k < 0.8) {
      yield {
        data: pick([
          "",
          "null",
          "[]",
          "0",
          '"welcome"',
          `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
          `{"type":"rejected","reason":"${"r".repeat(200_000)}"}`,
          '{"type":"welcome","protocol":1,"nodeId":"n1","heartbeatIntervalMs":1}',
          '{"type":"welcome","protocol":1,"nodeId":"n1","heartbeatIntervalMs":1099511627776}',
          '{"type":"welcome","protocol":999,"nodeId":"x".repeat(65),"heartbeatIntervalMs":1}',
        ]),
        binary: false,
      };
    } else {
      // Well-formed commands about employees this node does not run.
      const id = `zz${i}`;
      yield {
        data: JSON.stringify(
          pick([
            { type: "container.start", id: `s${i}`, employeeId: id },
            { type: "container.stop", id: `t${i}`, employeeId: id },
            { type: "container.restart", id: `r${i}`, employeeId: id },
            { type: "container.remove", id: `x${i}`, employeeId: id },
            { type: "memory.read", id: `m${i}`, employeeId: id },
            {
              type: "employee.configure",
              id: `c${i}`,
              employeeId: id,
              spec: {
                employeeId: "other",
                accountId: "u",
                name: "n",
                role: "no-such-role",
                tone: "t",
                skills: [],
              },
            },
            {
              type: "knowledge.sync",
              id: `k${i}`,
              employeeId: id,
              accountId: id,
              own: [],
              shared: [],
            },
            {
              type: "chat.send",
              id: `cs${i}`,
              employeeId: id,
              sessionKey: `agent:main:web:${i}`,
              runId: `run${i}`,
              text: "hello",
              attachments: [
                {
                  id: `a${i}`,
                  name: "x.png",
                  size: 3,
                  sha256: "0".repeat(64),
                  contentType: "image/png",
                },
              ],
            },
            { type: "chat.abort", id: `ca${i}`, employeeId: id, sessionKey: `agent:main:web:${i}` },
          ]),
        ),
        binary: false,
      };
    }
  }
}

/** Raw bytes the protocol forbids a server to send: each ends the connection (the agent redials). */
export function protocolViolations(seed: number): { name: string; bytes: Buffer }[] {
  const r = prng(seed);
  return [
    { name: "reserved opcode", bytes: Buffer.from([0x83, 0x00]) },
    { name: "RSV1 without an extension", bytes: Buffer.from([0xc1, 0x01, 0x41]) },
    { name: "masked server frame", bytes: Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x40]) },
    { name: "invalid UTF-8 text", bytes: Buffer.from([0x81, 0x02, 0xff, 0xfe]) },
    { name: "fragmented ping", bytes: Buffer.from([0x09, 0x00]) },
    { name: "continuation without a start", bytes: Buffer.from([0x80, 0x01, 0x41]) },
    { name: "close code 999", bytes: Buffer.from([0x88, 0x02, 0x03, 0xe7]) },
    {
      name: "64-bit length with the top bit set",
      bytes: Buffer.from([0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    },
    {
      name: "control frame over 125 bytes",
      bytes: Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126)]),
    },
    {
      name: "new text frame inside a fragmented one",
      bytes: Buffer.from([0x01, 0x01, 0x41, 0x81, 0x01, 0x41]),
    },
    { name: "announces 1 TiB", bytes: Buffer.from([0x82, 0x7f, 0, 0, 0x01, 0, 0, 0, 0, 0]) },
    {
      name: "random bytes",
      bytes: Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))),
    },
  ];
}
