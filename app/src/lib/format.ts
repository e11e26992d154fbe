import type { Lang } from "../i18n/i18n.tsx";

// Dates and sizes as the visitor's language writes them.
export const formatDate = (iso: string | null | undefined, lang: Lang): string =>
  iso ? new Date(iso).toLocaleDateString(lang, { dateStyle: "long" }) : "";

export const formatDateTime = (iso: string | null | undefined, lang: Lang): string =>
  iso ? new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }) : "";

// "1.5 MB" in English, "1,5 MB" in German.
export const formatSize = (bytes: number, lang: Lang = "en"): string => {
  const n = (value: number, digits: number) =>
    value.toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${n(bytes / 1024, 0)} KB`
      : `${n(bytes / 1024 / 1024, 1)} MB`;
};
