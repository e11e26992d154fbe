// CSV as RFC 4180 writes it (comma-separated, CRLF line ends, a field quoted when it holds a
// comma, a quote or a line break, quotes inside doubled), for files a person opens in a
// spreadsheet: the audit log (GET /api/audit?format=csv) and the account export's audit.csv and
// usage.csv. What goes in comes partly from strangers (a user agent, a file name, an email), and
// a spreadsheet runs a cell that starts with = + - or @ as a formula (CSV injection). Such a cell
// is written with a single quote in front, which spreadsheets show as text; tab and carriage
// return lead formulas too in some of them, so they are neutralised the same way.

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_LEAD = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  // Numbers and booleans are ours, never a stranger's: a negative number stays a number.
  if (typeof value !== "string") return String(value);
  const safe = FORMULA_LEAD.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
