import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, eq } from "drizzle-orm";
import { employees } from "../../db/schema.ts";
import { type ChatAttachmentView, MAX_ATTACHMENT_BYTES } from "../contract/chat.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { employeeStub } from "../objects/stubs.ts";
import { accountById } from "../store/accounts.ts";
import { chatAttachmentKey } from "../store/chat-attachments.ts";
import { refuseWhileDeletionScheduled } from "./account-state.ts";
import type { Actor } from "./actor.ts";
import type { Deps } from "./deps.ts";
import { employeeFor } from "./employees.ts";
import { MULTIPART_OVERHEAD_BYTES } from "./knowledge.ts";
import { CHAT_UPLOADS_PER_USER } from "./rate-limits.ts";
import { checkUploadedFile, invalidFile, readUploadedFiles } from "./upload-form.ts";

// A file for a chat message: uploaded first, one per request (the app uploads each as it is
// picked), then named in the message's attachmentIds. Its bytes are in R2 under the account and
// the employee (store/chat-attachments.ts), its record in the employee's inbox; once the message
// is delivered, the node fetches it (GET /agent/chat-attachments/:id) and writes it to uploads/.

const tooLarge = () =>
  new ApiError(
    413,
    "file_too_large",
    `A file may be at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`,
  );

export async function uploadAttachment(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  request: Request,
): Promise<ChatAttachmentView> {
  await employeeFor(deps, actor, employeeId, "employees.use");
  const account = await accountById(deps.db, actor.accountId);
  if (!account) throw notFound("team");
  // The purge removes the account's files by prefix: none may land during its grace.
  refuseWhileDeletionScheduled(account, "No files can be uploaded");
  const files = await readUploadedFiles(
    request,
    MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD_BYTES,
    tooLarge,
  );
  if (files.length > 1) throw invalidFile("Upload one file at a time.");
  const [file] = files;
  if (!file) throw invalidFile("Choose a file (field “file”).");
  const named = checkUploadedFile(file, 0, MAX_ATTACHMENT_BYTES);
  await deps.limits.take(CHAT_UPLOADS_PER_USER, actor.userId);

  const bytes = await file.arrayBuffer();
  const id = crypto.randomUUID();
  const sha256 = encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
  const r2Key = chatAttachmentKey(actor.accountId, employeeId, id);
  // Bytes first: a record never points at an object that is not there.
  await deps.env.KNOWLEDGE.put(r2Key, bytes, {
    httpMetadata: { contentType: named.contentType },
    customMetadata: { accountId: actor.accountId, employeeId },
  });
  const added = await employeeStub(deps.env, employeeId).chatAddAttachment({
    id,
    name: named.name,
    size: bytes.byteLength,
    contentType: named.contentType,
    sha256,
    r2Key,
  });
  // Unsent uploads the inbox forgot (a day old): their bytes go too.
  if (added?.discarded.length) await deps.env.KNOWLEDGE.delete(added.discarded);
  if (!added?.ok) await deps.env.KNOWLEDGE.delete(r2Key);
  if (!added) throw notFound("employee");
  if (!added.ok) throw new ApiError(409, "invalid_state", added.message);
  return added.attachment;
}

/** A node agent fetching a message's file: only for an employee placed on that node. */
export async function attachmentForNode(
  deps: Deps,
  nodeId: string,
  attachmentId: string,
): Promise<Response> {
  if (!/^[0-9a-f-]{36}$/.test(attachmentId)) throw notFound("file");
  // The employees on this node (a node's slots bound them) are asked; none other can answer.
  const placed = await deps.db
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.nodeId, nodeId)));
  const answers = await Promise.all(
    placed.map((e) =>
      employeeStub(deps.env, e.id)
        .chatAttachmentForNode(nodeId, attachmentId)
        .catch(() => null),
    ),
  );
  const found = answers.find((a) => a !== null);
  if (!found) throw notFound("file");
  const object = await deps.env.KNOWLEDGE.get(found.r2Key);
  if (!object) {
    deps.log.error("chat attachment object missing", { attachmentId });
    throw notFound("file");
  }
  // Only a node token gets here, but a customer's HTML file is data wherever it is read: never a
  // page rendered in our origin (the same headers as the knowledge files').
  return new Response(object.body, {
    headers: {
      "content-type": found.contentType,
      "content-length": String(found.size),
      "content-disposition": "attachment",
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox",
      "x-content-sha256": found.sha256,
      "cache-control": "private, no-store",
    },
  });
}
