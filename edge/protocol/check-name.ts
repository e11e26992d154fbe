// Names people give things: an employee's name and a knowledge file's name. One check for both,
// shared by the edge and the app's pre-checks (runtime-neutral, no imports). A name is shown in
// lists, written into the employee's workspace and, for files, onto disk in its container, so it
// must be plain visible text: no control characters, nothing that reorders how it displays,
// not made only of characters nobody can see, and bounded however it is measured.

export interface NameRules {
  /** In UTF-16 code units: what a browser's maxlength counts and the agent protocol's zod checks. */
  maxLength: number;
  /** In UTF-8 bytes: what a file system and a tar header hold. */
  maxBytes: number;
}

// The agent protocol's EmployeeSpec takes names of at most 40 (frames.ts); three bytes per code
// unit is the most UTF-8 needs for 40 of them.
export const EMPLOYEE_NAME_RULES: NameRules = { maxLength: 40, maxBytes: 120 };
// The agent writes a file under this name into the employee's volume through a tar archive whose
// long-name support ends at 200 bytes, and frames.ts KnowledgeFile allows 200.
export const FILE_NAME_RULES: NameRules = { maxLength: 120, maxBytes: 200 };

export type NameProblem = "empty" | "encoding" | "control" | "bidi" | "invisible" | "too_long";

export type NameCheck =
  | { ok: true; name: string }
  | { ok: false; problem: NameProblem; message: string };

// C0, DEL and C1 controls, the line and paragraph separators (they break a line as a newline
// does) and the noncharacters Unicode reserves for internal use.
const CONTROL = /[\p{Cc}\u2028\u2029\p{Noncharacter_Code_Point}]/u;
// U+061C, U+200E/200F, U+202A–202E, U+2066–2069: they make text display in another order than it
// is stored, e.g. "invoice\u202Efdp.exe" shows as "invoiceexe.pdf".
const BIDI = /\p{Bidi_Control}/u;
// A lone surrogate is what invalid UTF-8 becomes in a JSON escape; U+FFFD is what a decoder leaves
// for bytes that are not UTF-8 at all.
const NOT_UTF8 = /[\p{Cs}\uFFFD]/u;
// What takes no visible space on its own: whitespace, the default-ignorable characters (zero-width
// spaces and joiners, variation selectors, fillers, tags, …), combining marks without a base and
// the blank Braille pattern.
export const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/gu;

const codePoint = (c: string) =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

export const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;

/** Checks and normalises what a name says, without bounding its length. */
export function checkText(raw: string, subject = "The name"): NameCheck {
  const refuse = (problem: NameProblem, message: string): NameCheck => ({
    ok: false,
    problem,
    message,
  });
  const notUtf8 = NOT_UTF8.exec(raw);
  if (notUtf8) return refuse("encoding", `${subject} is not valid UTF-8 text.`);
  const control = CONTROL.exec(raw);
  if (control)
    return refuse("control", `${subject} contains a control character (${codePoint(control[0])}).`);
  const bidi = BIDI.exec(raw);
  if (bidi)
    return refuse(
      "bidi",
      `${subject} contains a character that reorders how text is shown (${codePoint(bidi[0])}).`,
    );
  const name = raw.normalize("NFC").trim();
  if (!name) return refuse("empty", `${subject} is empty.`);
  if (!name.replace(INVISIBLE, ""))
    return refuse("invisible", `${subject} has no visible characters.`);
  return { ok: true, name };
}

/** The whole check: what checkText does, and the name's bounds. */
export function checkName(raw: string, rules: NameRules, subject = "The name"): NameCheck {
  const text = checkText(raw, subject);
  if (!text.ok) return text;
  if (text.name.length > rules.maxLength)
    return {
      ok: false,
      problem: "too_long",
      message: `${subject} is longer than ${rules.maxLength} characters.`,
    };
  if (utf8Bytes(text.name) > rules.maxBytes)
    return {
      ok: false,
      problem: "too_long",
      message: `${subject} is longer than ${rules.maxBytes} bytes in UTF-8.`,
    };
  return text;
}
