import { deleteR2Prefix } from "./r2-objects.ts";

// A chat attachment's bytes in R2: under the account's knowledge prefix (so the account's purge
// removes them with its files), per employee (so firing it removes them), by attachment id.
export const chatAttachmentPrefix = (accountId: string, employeeId: string) =>
  `knowledge/${accountId}/chat/${employeeId}/`;

export const chatAttachmentKey = (accountId: string, employeeId: string, attachmentId: string) =>
  `${chatAttachmentPrefix(accountId, employeeId)}${attachmentId}`;

/** Removes a fired employee's chat files; how many went. */
export function deleteChatAttachments(
  bucket: R2Bucket,
  accountId: string,
  employeeId: string,
): Promise<number> {
  return deleteR2Prefix(bucket, chatAttachmentPrefix(accountId, employeeId));
}
