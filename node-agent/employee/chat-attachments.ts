import { createHash } from "node:crypto";
import path from "node:path";
import { MAX_ATTACHMENT_BYTES } from "../../edge/contract/chat.ts";
import type { ChatAttachmentRef } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import type { ReadLimits } from "../runtime/tar.ts";
import type { ChatAttachment } from "./gateway-client.ts";
import { onDiskName } from "./knowledge-sync.ts";
import { WORKSPACE_DIR } from "./openclaw-config.ts";
import { EMPLOYEE_UID } from "./workspace-files.ts";

// Files sent with a chat message: fetched from the edge (GET /agent/chat-attachments/:id with
// the node token, like knowledge files), checked against the size and SHA-256 the command names,
// and written under uploads/ in the employee's workspace, where the employee finds and keeps
// them. OpenClaw hears of each as a line of the message ("[Attached file: uploads/report.pdf]");
// images also travel as chat.send attachments, so a model that sees images sees them.
//
// The workspace is the container's to shape: uploads/ or a file in it may be a link planted to
// make the agent write elsewhere. The archive API confines every write to the container, and the
// archive we write replaces a link at uploads/ (or at the file) with the real thing instead of
// following it; a name already taken by something else gets a suffix, never overwritten.

export const UPLOADS_DIR = "uploads";
export const ATTACHMENT_DOWNLOAD_TIMEOUT_MS = 60_000;
// "report.pdf", "report-2.pdf", … up to this many; past it the file is refused.
export const MAX_NAME_SUFFIX = 50;
export const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
// Images travel inline only within OpenClaw's limits (6 MB an image, a 25 MiB frame, as base64):
// a larger one would make it refuse the whole message, so it is only named, like any file.
export const INLINE_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
export const INLINE_IMAGES_MAX_BYTES = 12 * 1024 * 1024;

const PROBE_LIMITS: ReadLimits = {
  maxEntries: 2,
  maxArchiveBytes: MAX_ATTACHMENT_BYTES + 64 * 1024,
  maxFileBytes: MAX_ATTACHMENT_BYTES,
};

export interface DeliveredAttachments {
  /** Workspace-relative paths, in the order of the refs (uploads/report.pdf). */
  paths: string[];
  /** The images, for chat.send's attachments. */
  images: ChatAttachment[];
}

export interface ChatAttachmentsOptions {
  runtime: Pick<EmployeeRuntime, "readFiles" | "writeFiles">;
  edgeUrl: string;
  nodeToken: string;
  log: Logger;
}

const failed = (message: string, retryable: boolean) =>
  new RuntimeError("attachment_failed", message, retryable);

/** The message as OpenClaw gets it: the person's text, then one line per file. */
export function withAttachmentLines(text: string, paths: readonly string[]): string {
  if (paths.length === 0) return text;
  const lines = paths.map((p) => `[Attached file: ${p}]`).join("\n");
  return text.trim() ? `${text}\n\n${lines}` : lines;
}

/** "report.pdf" → "report-2.pdf" (n ≥ 2); the extension stays. */
export function suffixed(name: string, n: number): string {
  if (n < 2) return name;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

export class ChatAttachments {
  private readonly opts: ChatAttachmentsOptions;

  constructor(opts: ChatAttachmentsOptions) {
    this.opts = opts;
  }

  /** Fetches, checks and writes each file; throws attachment_failed naming the file. */
  async deliver(
    employeeId: string,
    refs: readonly ChatAttachmentRef[],
  ): Promise<DeliveredAttachments> {
    const delivered: DeliveredAttachments = { paths: [], images: [] };
    const taken = new Set<string>();
    let inline = 0;
    for (const ref of refs) {
      const content = await this.download(ref);
      const name = await this.place(employeeId, ref, taken);
      taken.add(name);
      await this.write(employeeId, name, content);
      const rel = `${UPLOADS_DIR}/${name}`;
      delivered.paths.push(rel);
      const type = ref.contentType.toLowerCase().split(";")[0]?.trim() ?? "";
      const fits =
        content.length <= INLINE_IMAGE_MAX_BYTES &&
        inline + content.length <= INLINE_IMAGES_MAX_BYTES;
      if (IMAGE_TYPES.has(type) && fits) {
        inline += content.length;
        delivered.images.push({
          content: content.toString("base64"),
          fileName: name,
          mimeType: type,
        });
      }
      this.opts.log.info(
        { employeeId, attachmentId: ref.id, bytes: content.length, path: rel },
        "chat attachment delivered",
      );
    }
    return delivered;
  }

  // A free name under uploads/: the file's own (shortened to what the file system holds), or with
  // a suffix. A file already there with the same bytes is this one, written by an earlier try of
  // the same message: it is written again under that name, not beside it.
  private async place(
    employeeId: string,
    ref: ChatAttachmentRef,
    taken: ReadonlySet<string>,
  ): Promise<string> {
    const base = onDiskName(ref.name);
    const dir = await this.opts.runtime.readFiles(employeeId, `${WORKSPACE_DIR}/${UPLOADS_DIR}`, {
      ...PROBE_LIMITS,
      maxEntries: 1,
      maxFileBytes: 0,
    });
    // No folder yet, or something else there (a link) that the write will replace: all is free.
    const folder = dir.entries[0];
    const fresh = folder?.type !== "directory";
    for (let n = 1; n <= MAX_NAME_SUFFIX; n++) {
      const name = onDiskName(suffixed(base, n));
      if (taken.has(name)) continue;
      if (fresh) return name;
      const probe = await this.opts.runtime.readFiles(
        employeeId,
        `${WORKSPACE_DIR}/${UPLOADS_DIR}/${name}`,
        PROBE_LIMITS,
      );
      const there = probe.entries[0];
      if (!there) return name;
      if (
        there.type === "file" &&
        !there.truncated &&
        createHash("sha256").update(there.content).digest("hex") === ref.sha256
      )
        return name;
    }
    throw failed(`${ref.name}: no free name for it in ${UPLOADS_DIR}/`, false);
  }

  private async write(employeeId: string, name: string, content: Buffer): Promise<void> {
    if (name.includes("/") || name === "." || name === ".." || path.posix.basename(name) !== name)
      throw failed(`${name.slice(0, 80)}: not a file name`, false);
    const owned = { mode: 0o755, uid: EMPLOYEE_UID, gid: EMPLOYEE_UID };
    try {
      await this.opts.runtime.writeFiles(employeeId, [
        // Folders first, as real folders: one planted as a link is replaced, not followed.
        { path: WORKSPACE_DIR, ...owned },
        { path: `${WORKSPACE_DIR}/${UPLOADS_DIR}`, ...owned },
        { path: `${WORKSPACE_DIR}/${UPLOADS_DIR}/${name}`, content, ...owned, mode: 0o644 },
      ]);
    } catch (err) {
      const e = err instanceof RuntimeError ? err : undefined;
      throw failed(
        `${name}: could not be written (${e?.message ?? String(err)})`,
        e?.retryable ?? true,
      );
    }
  }

  private async download(ref: ChatAttachmentRef): Promise<Buffer> {
    if (ref.size > MAX_ATTACHMENT_BYTES)
      throw failed(`${ref.name}: larger than ${MAX_ATTACHMENT_BYTES} bytes`, false);
    const res = await fetch(new URL(`/agent/chat-attachments/${ref.id}`, this.opts.edgeUrl), {
      headers: { authorization: `Bearer ${this.opts.nodeToken}` },
      signal: AbortSignal.timeout(ATTACHMENT_DOWNLOAD_TIMEOUT_MS),
    }).catch((err: unknown) => {
      throw failed(`${ref.name}: could not be fetched (${String(err)})`, true);
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw failed(
        `${ref.name}: the edge answered ${res.status}`,
        res.status >= 500 || res.status === 429,
      );
    }
    const content = await readBounded(res, ref.size).catch((err: unknown) => {
      throw err instanceof RuntimeError ? err : failed(`${ref.name}: ${String(err)}`, true);
    });
    if (content.length !== ref.size)
      throw failed(`${ref.name}: arrived with ${content.length} bytes, not ${ref.size}`, true);
    const sha = createHash("sha256").update(content).digest("hex");
    if (sha !== ref.sha256) throw failed(`${ref.name}: arrived damaged (checksum)`, true);
    return content;
  }
}

// The body, stopping as soon as it is longer than announced: never more than `size` + a chunk.
async function readBounded(res: Response, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > size) {
      await reader.cancel().catch(() => undefined);
      throw failed(`the file is longer than its ${size} bytes`, true);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
