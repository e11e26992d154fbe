// What a customer may teach an employee from, by extension: documents, data and images. The
// browser's own content type is not trusted; the extension decides, and the type we serve back
// comes from this table.
export const KNOWLEDGE_TYPES: Readonly<Record<string, string>> = {
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  tsv: "text/tab-separated-values; charset=utf-8",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  xml: "application/xml",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  rtf: "application/rtf",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

export const MAX_NAME_LENGTH = 120;

export type NameResult =
  | { ok: true; name: string; contentType: string }
  | { ok: false; reason: string };

// A file name that is safe as one path segment on the node and in the container: only its last
// segment is kept (no folder can be named, so nothing can escape), control and separator
// characters are replaced, leading dots removed (no hidden files, no "." or ".."), and the
// length is bounded while the extension is kept.
export function sanitiseFileName(raw: string): NameResult {
  const last = raw.split(/[/\\]/).pop() ?? "";
  let name = last
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .replace(/[^\p{L}\p{N} ._()+,&@'-]/gu, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "")
    .trim();
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  const contentType = KNOWLEDGE_TYPES[ext];
  if (!name || dot <= 0) return { ok: false, reason: "The file needs a name with an extension." };
  if (!contentType)
    return {
      ok: false,
      reason: `Files of type .${ext} cannot be used. Allowed: ${Object.keys(KNOWLEDGE_TYPES).join(", ")}.`,
    };
  if (name.length > MAX_NAME_LENGTH) {
    const stem = name
      .slice(0, dot)
      .slice(0, MAX_NAME_LENGTH - ext.length - 1)
      .trimEnd();
    name = `${stem}.${ext}`;
  }
  return { ok: true, name: `${name.slice(0, name.lastIndexOf("."))}.${ext}`, contentType };
}
