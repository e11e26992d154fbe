import { ApiError } from "../http/api-error.ts";
import { readBodyCapped } from "../http/validate.ts";
import { sanitiseFileName } from "../knowledge/file-names.ts";

// Reading files people upload (the knowledge base, chat attachments): a multipart/form-data body
// read as a stream and cut at `maxBodyBytes` whatever its Content-Length says, its files in the
// field "file", each named safely (knowledge/file-names.ts) and checked for size. The browser's
// content type is not trusted: the name's extension decides.

export const invalidFile = (message: string, fields?: Record<string, string>) =>
  new ApiError(400, "invalid_file", message, fields);

export async function readUploadedFiles(
  request: Request,
  maxBodyBytes: number,
  tooLarge: () => ApiError,
): Promise<File[]> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data"))
    throw invalidFile("Send the files as multipart/form-data in a field named “file”.");
  const form = await readBodyCapped(request, maxBodyBytes, tooLarge, (body) =>
    new Response(body, { headers: { "content-type": type } }).formData().catch(() => {
      throw invalidFile("The upload could not be read as multipart/form-data.");
    }),
  );
  const files = form.getAll("file").filter((f): f is File => typeof f !== "string");
  if (files.length === 0) throw invalidFile("Choose at least one file (field “file”).");
  return files;
}

/** The file's safe name and content type, once it is known to be named well, not empty and
 * at most `maxBytes`; `index` names it in the message of a batch. */
export function checkUploadedFile(
  f: File,
  index: number,
  maxBytes: number,
): { name: string; contentType: string } {
  const named = sanitiseFileName(f.name, `The name of file ${index + 1}`);
  if (!named.ok) throw invalidFile(named.reason, { file: named.reason });
  if (f.size === 0) throw invalidFile(`${named.name} is empty.`, { file: "empty" });
  if (f.size > maxBytes)
    throw new ApiError(
      413,
      "file_too_large",
      `${named.name} is ${(f.size / 1024 / 1024).toFixed(1)} MB; files may be at most ${maxBytes / 1024 / 1024} MB.`,
    );
  return { name: named.name, contentType: named.contentType };
}
