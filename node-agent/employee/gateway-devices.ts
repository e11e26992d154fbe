import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { type DeviceIdentity, generateDeviceIdentity } from "./gateway-handshake.ts";

// The device identity the agent's chat client proves to each employee's OpenClaw: one Ed25519
// key per employee, made on first use and kept in the agent's own state folder (mode 0600 in a
// 0700 folder; no container mounts it), so the device OpenClaw paired stays the same across agent
// restarts and no new pairing record piles up per connect. The key opens nothing by itself: the
// gateway admits it only together with the trusted-proxy headers from the node's own address.
// Removing the employee should delete it (`delete`).
export const DEVICES_DIR = "gateway-devices";
const ID = /^[A-Za-z0-9_-]{1,64}$/;
// The chat socket's key keeps its old name; the control socket (issue 18) has its own device.
const DEVICE_KINDS = ["chat", "control"] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

const Stored = z.strictObject({
  version: z.literal(1),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  privateKey: z.string().min(40).max(200),
});

export class GatewayDevices {
  private readonly dir: string;
  private readonly cache = new Map<string, DeviceIdentity>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, DEVICES_DIR);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  /** This employee's identity (of its chat socket, or of another kind: `control`); a new one
   *  when there is none or the file is unreadable. */
  identity(
    employeeId: string,
    kind: DeviceKind = "chat",
  ): { identity: DeviceIdentity; created: boolean } {
    const file = this.file(employeeId, kind);
    const cached = this.cache.get(file);
    if (cached) return { identity: cached, created: false };
    const read = this.read(file);
    if (read) {
      this.cache.set(file, read);
      return { identity: read, created: false };
    }
    const identity = generateDeviceIdentity();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, ...identity }), { mode: 0o600 });
    renameSync(tmp, file);
    this.cache.set(file, identity);
    return { identity, created: true };
  }

  /** Every key of the employee (chat and control). */
  delete(employeeId: string): void {
    for (const kind of DEVICE_KINDS) {
      const file = this.file(employeeId, kind);
      this.cache.delete(file);
      rmSync(file, { force: true });
    }
  }

  private read(file: string): DeviceIdentity | undefined {
    try {
      const parsed = Stored.safeParse(JSON.parse(readFileSync(file, "utf8")));
      return parsed.success
        ? { publicKey: parsed.data.publicKey, privateKey: parsed.data.privateKey }
        : undefined;
    } catch {
      return undefined;
    }
  }

  private file(employeeId: string, kind: DeviceKind): string {
    if (!ID.test(employeeId)) throw new Error(`not an employee id: ${employeeId.slice(0, 80)}`);
    return path.join(
      this.dir,
      kind === "chat" ? `${employeeId}.json` : `${employeeId}.${kind}.json`,
    );
  }
}
