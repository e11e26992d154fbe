import {
  checkName,
  checkText,
  FILE_NAME_RULES,
  INVISIBLE,
  utf8Bytes,
} from "../protocol/check-name.ts";
import { KnowledgeFile } from "../protocol/frames.ts";

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

export type NameResult =
  | { ok: true; name: string; contentType: string }
  | { ok: false; reason: string };

// The characters kept as they are; anything else (separators, wildcards, quotes, emoji, …)
// becomes "_", so a name is one harmless path segment on the node and in the container.
const UNSAFE = /[^\p{L}\p{M}\p{N} ._()+,&@'-]/gu;
// Zero-width and other default-ignorable characters say nothing in a file name; they are
// dropped (bidirectional controls among them are refused before this by checkText).
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

// A file name the edge stores is one the agent can always write: it passes the shared name check
// (edge/protocol/check-name.ts: no control or bidirectional characters, valid UTF-8, NFC, visible)
// and fits FILE_NAME_RULES, which frames.ts KnowledgeFile and the agent's archive writer accept.
// Only its last path segment is kept (no folder can be named, so nothing can escape), leading
// dots are removed (no hidden files, no "." or ".."), and a long name is shortened with its
// extension kept.
export function sanitiseFileName(raw: string, subject = "The file name"): NameResult {
  const segment = raw.split(/[/\\]/).pop() ?? "";
  const text = checkText(segment, subject);
  if (!text.ok) return { ok: false, reason: text.message };
  const invisibleStem = (stem: string) => !stem.replace(INVISIBLE, "");
  const rawDot = text.name.lastIndexOf(".");
  if (rawDot > 0 && invisibleStem(text.name.slice(0, rawDot)))
    return { ok: false, reason: `${subject} has no visible characters before its extension.` };
  const name = text.name
    .replace(IGNORABLE, "")
    .replace(UNSAFE, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "")
    .trim()
    .normalize("NFC");
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  const contentType = KNOWLEDGE_TYPES[ext];
  if (!name || dot <= 0) return { ok: false, reason: `${subject} needs a name with an extension.` };
  if (!contentType)
    return {
      ok: false,
      reason: `Files of type .${ext} cannot be used. Allowed: ${Object.keys(KNOWLEDGE_TYPES).join(", ")}.`,
    };
  const stem = shorten(name.slice(0, dot).trimEnd(), ext);
  if (invisibleStem(stem))
    return { ok: false, reason: `${subject} has no visible characters before its extension.` };
  const checked = checkName(`${stem}.${ext}`, FILE_NAME_RULES, subject);
  if (!checked.ok) return { ok: false, reason: checked.message };
  // The agent's own parser of knowledge.sync frames has the last word.
  if (!KnowledgeFile.shape.name.safeParse(checked.name).success)
    return { ok: false, reason: `${subject} cannot be written on the employee's server.` };
  return { ok: true, name: checked.name, contentType };
}

// Drops code points from the end of the stem until "stem.ext" fits FILE_NAME_RULES in characters
// and in bytes; never splits a surrogate pair.
function shorten(stem: string, ext: string): string {
  const room = (s: string) =>
    s.length + 1 + ext.length <= FILE_NAME_RULES.maxLength &&
    utf8Bytes(s) + 1 + utf8Bytes(ext) <= FILE_NAME_RULES.maxBytes;
  if (room(stem)) return stem;
  // No more code points than UTF-16 units fit, so the loop below is short whatever was sent.
  const points = [...stem.slice(0, FILE_NAME_RULES.maxLength + 1)].slice(
    0,
    FILE_NAME_RULES.maxLength,
  );
  while (points.length > 0 && !room(points.join(""))) points.pop();
  return points.join("").trimEnd();
}
