import { describe, expect, it } from "vitest";
import { safeTarPath } from "../../export/tar-reader.ts";
import { hasHiddenCharacters, safeSegment } from "../../export/zip-names.ts";
import { employeeFolders } from "../../services/export-archive.ts";

// Names that reach zip entries: what people called employees and files (made safe, kept) and
// what a container put in its workspace (refused when hostile, so the entry is skipped).

describe("zip entry names", () => {
  it("makes a chosen name one safe, visible segment", () => {
    expect(safeSegment("invoice\u202Efdp.exe")).toBe("invoice_fdp.exe");
    expect(safeSegment("a\u2066b\u2069c\u200Fd\u061Ce")).toBe("a_b_c_d_e");
    expect(safeSegment("bell\u0007tab\tnl\nc1\u0085del\u007F")).toBe("bell_tab_nl_c1_del_");
    expect(safeSegment("line\u2028sep")).toBe("line_sep");
    expect(safeSegment("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(safeSegment("..")).toBe("");
    expect(safeSegment("/abs\\path")).toBe("_abs_path");
    expect(safeSegment("C:\\Windows")).toBe("C__Windows");
    expect(safeSegment('a*b?c"d<e>f|g')).toBe("a_b_c_d_e_f_g");
    expect(safeSegment(" .hidden. ")).toBe("hidden");
    expect(safeSegment("CON")).toBe("CON_");
    expect(safeSegment("nul.txt")).toBe("nul.txt_");
    expect(safeSegment("com1")).toBe("com1_");
    expect(safeSegment("Console")).toBe("Console");
    expect(safeSegment("Ada Lovelace")).toBe("Ada Lovelace");
    expect(safeSegment("Cafe\u0301")).toBe("Café");
  });

  it("names employee folders safely, uniquely and never after a device", () => {
    const folders = employeeFolders([
      { id: "11111111-aaaa", name: "Eve\u202Egpj.exe" },
      { id: "22222222-bbbb", name: "CON" },
      { id: "33333333-cccc", name: "../.." },
      { id: "55555555-eeee", name: "\u202E" },
      { id: "44444444-dddd", name: "eve_gpj.exe" },
    ]);
    expect([...folders.values()]).toEqual([
      "Eve_gpj.exe",
      "CON_",
      "_",
      "_ (55555555)",
      "eve_gpj.exe (44444444)",
    ]);
    for (const name of folders.values()) expect(hasHiddenCharacters(name)).toBe(false);
  });

  it("refuses hostile workspace paths and keeps the rest relative", () => {
    for (const hostile of [
      "invoice\u202Efdp.exe",
      "docs/\u2067evil\u2069.md",
      "c1\u0085.txt",
      "c1\u009B31m.txt",
      "nul\u0000byte",
      "esc\u001B[2J",
      "del\u007F",
      "para\u2029graph",
      "a\\..\\..\\win.ini",
      "../escape.txt",
      "a/../../b",
      "/",
      "",
    ])
      expect(safeTarPath(hostile), JSON.stringify(hostile)).toBeNull();
    expect(safeTarPath("/etc/passwd")).toBe("etc/passwd");
    expect(safeTarPath("./memory//2026-06-01.md")).toBe("memory/2026-06-01.md");
    expect(safeTarPath("notes/Ünïcode ✓.md")).toBe("notes/Ünïcode ✓.md");
  });
});
