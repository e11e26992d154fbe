import type { ChatAttachmentView } from "../../../edge/contract/chat.ts";
import { ErrorBody, isErrorCode } from "../../../edge/contract/errors.ts";
import { ApiFailure, accountHeaders } from "./api.ts";

/** An upload under way: its answer, and a way to cancel it (the chip's ×). */
export interface Upload {
  done: Promise<ChatAttachmentView>;
  abort: () => void;
}
/** Sends one file as a chat attachment, reporting progress from 0 to 1. */
export type Uploader = (
  employeeId: string,
  file: File,
  onProgress: (fraction: number) => void,
) => Upload;

// POST /api/employees/:id/attachments through XMLHttpRequest rather than the API client: fetch
// cannot report an upload's progress, and a 10 MB file on a slow line needs a bar. Failures are
// ApiFailures, as from the client, so the same texts say them.
export const uploadAttachment: Uploader = (employeeId, file, onProgress) => {
  const xhr = new XMLHttpRequest();
  const done = new Promise<ChatAttachmentView>((resolve, reject) => {
    xhr.open("POST", `/api/employees/${encodeURIComponent(employeeId)}/attachments`);
    for (const [name, value] of Object.entries(accountHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body: unknown = (() => {
        try {
          return JSON.parse(xhr.responseText);
        } catch {
          return null;
        }
      })();
      if (xhr.status === 201 && body && typeof body === "object" && "attachment" in body) {
        onProgress(1);
        resolve(body.attachment as ChatAttachmentView);
        return;
      }
      const parsed = ErrorBody.safeParse(body);
      if (!parsed.success) {
        reject(new ApiFailure(xhr.status, "http_error", `The server answered ${xhr.status}.`));
        return;
      }
      const { code, message } = parsed.data.error;
      reject(new ApiFailure(xhr.status, isErrorCode(code) ? code : "http_error", message));
    };
    xhr.onerror = () =>
      reject(
        new ApiFailure(0, "network", "The connection failed. Check your network and try again."),
      );
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
};
