// Names that become zip entry names: employee names and knowledge file names people chose, and
// workspace paths a container chose. An unzip tool writes them to disk and shows them to the
// owner, so a name must not say one thing and show another (bidi controls turn
// "invoice\u202Efdp.exe" into "invoiceexe.pdf"), hold control characters, climb out of its
// folder, or be a name Windows cannot create (CON, NUL, "a:b", a trailing dot).

// C0, DEL, C1, the line and paragraph separators, and the characters that reorder display.
const HIDDEN = /[\p{Cc}\u2028\u2029\p{Bidi_Control}]/u;
const HIDDEN_ALL = /[\p{Cc}\u2028\u2029\p{Bidi_Control}]/gu;
// Separators of any system and what Windows refuses in a name.
const RESERVED_CHARS = /[/\\:*?"<>|]/g;
// Windows device names, with or without an extension ("nul.txt" is NUL too).
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** True when a name holds a control or a bidi character (how hostile paths are recognised). */
export function hasHiddenCharacters(name: string): boolean {
  return HIDDEN.test(name);
}

/**
 * One path segment made safe: the characters above replaced with "_", no leading or trailing dots
 * or spaces, a device name given a trailing "_". Empty when nothing visible is left (the caller
 * then uses a fallback of its own).
 */
export function safeSegment(raw: string): string {
  const name = raw
    .normalize("NFC")
    .replace(HIDDEN_ALL, "_")
    .replace(RESERVED_CHARS, "_")
    .replace(/^[.\s]+|[.\s]+$/g, "");
  return DEVICE.test(name) ? `${name}_` : name;
}
