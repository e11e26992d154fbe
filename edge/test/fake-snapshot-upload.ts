import { exports } from "cloudflare:workers";
import { encodeFrameHeader, FLAG_RAW, toHex } from "../protocol/snapshot-wire.ts";
import { ORIGIN } from "./helpers.ts";

// What a real agent does for snapshot.create, in little: one file of `bytes` random bytes, sent
// as one chunk through the real /agent/snapshots routes with the node's token, then its
// manifest. The snapshot store seals it, so a later restore's check reads a real manifest.
export async function uploadSnapshot(
  token: string,
  snapshotId: string,
  employeeId: string,
  bytes: number,
): Promise<string> {
  const plain = crypto.getRandomValues(new Uint8Array(bytes));
  const sha = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", plain)));
  const header = encodeFrameHeader(sha, FLAG_RAW, plain.byteLength);
  const body = new Uint8Array(header.byteLength + plain.byteLength);
  body.set(header);
  body.set(plain, header.byteLength);
  const call = (path: string, method: string, payload: BodyInit, type: string) =>
    exports.default.fetch(
      new Request(new URL(`/agent/snapshots/${snapshotId}/${path}`, ORIGIN), {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": type },
        body: payload,
      }),
    );
  const pack = await call("packs", "POST", body, "application/octet-stream");
  if (pack.status !== 200) throw new Error(`pack upload answered ${pack.status}`);
  const manifest = {
    version: 1,
    snapshotId,
    employeeId,
    createdAt: Date.now(),
    agentVersion: "fake-agent",
    image: null,
    openclawVersion: null,
    openclaw: null,
    logicalBytes: bytes,
    entries: [
      { type: "dir", path: "workspace", mode: 0o755 },
      {
        type: "file",
        path: "workspace/MEMORY.md",
        mode: 0o644,
        size: bytes,
        mtimeMs: 1,
        chunks: [sha],
      },
    ],
  };
  const put = await call("manifest", "PUT", JSON.stringify(manifest), "application/json");
  if (put.status !== 200) throw new Error(`manifest upload answered ${put.status}`);
  return ((await put.json()) as { manifestSha256: string }).manifestSha256;
}
