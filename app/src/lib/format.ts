import type { Lang } from "../i18n/i18n.tsx";

// Dates and sizes as the visitor's language writes them.
export const formatDate = (iso: string | null | undefined, lang: Lang): string =>
  iso ? new Date(iso).toLocaleDateString(lang, { dateStyle: "long" }) : "";

export const formatDateTime = (iso: string | null | undefined, lang: Lang): string =>
  iso ? new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }) : "";

export const formatSize = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(0)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
