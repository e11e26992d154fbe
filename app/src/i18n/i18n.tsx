import { createContext, type JSX, useContext } from "solid-js";
import { en, type MessageKey } from "./en.ts";

export const languages = ["en", "de"] as const;
export type Lang = (typeof languages)[number];
export const LANG_COOKIE = "iw_lang";

type Dictionary = Record<MessageKey, string>;
// English is always here; other languages are added before rendering: the server adds them all
// (entry-server.tsx), the browser only the visitor's (entry-client.tsx, before hydrating), so no
// page ships every language's text.
// English's workspace texts arrive with the workspace's pieces (workspace-texts.ts): until then
// the English dictionary holds the common ones only, which is all any other page says.
const english = { ...en } as Dictionary;
const dictionaries: Partial<Record<Lang, Dictionary>> = { en: english };

export function addDictionary(lang: Lang, dictionary: Dictionary): void {
  dictionaries[lang] = dictionary;
}

/** Adds English texts kept out of the common dictionary (en-workspace.ts). */
export function addEnglish(texts: Partial<Dictionary>): void {
  Object.assign(english, texts);
}

/** Fetches a language's text once (a chunk of its own). */
export async function loadDictionary(lang: Lang): Promise<void> {
  if (dictionaries[lang]) return;
  if (lang === "de") addDictionary("de", (await import("./de.ts")).de);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (languages as readonly string[]).includes(value);
}

// From a Cookie header (server) or document.cookie (browser); English when absent.
export function langFromCookie(cookie: string | null | undefined): Lang {
  const value = /(?:^|;\s*)iw_lang=([a-z]{2})/.exec(cookie ?? "")?.[1];
  return isLang(value) ? value : "en";
}

export function translate(
  lang: Lang,
  key: MessageKey,
  vars: Record<string, string | number> = {},
): string {
  // A key never registered shows as itself rather than breaking the page.
  return (dictionaries[lang]?.[key] ?? english[key] ?? key).replace(
    /\{(\w+)\}/g,
    (_, name: string) => String(vars[name] ?? `{${name}}`),
  );
}

// Keys with ".one" and ".other" forms, chosen by the language's plural rules.
type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.one` ? B : never) : never;

export function translatePlural(lang: Lang, base: PluralBase, n: number): string {
  const form = new Intl.PluralRules(lang).select(n) === "one" ? "one" : "other";
  return translate(lang, `${base}.${form}` as MessageKey, { n });
}

interface I18n {
  lang: Lang;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  tn: (base: PluralBase, n: number) => string;
}

const I18nContext = createContext<I18n>({
  lang: "en",
  t: (k, v) => translate("en", k, v),
  tn: (b, n) => translatePlural("en", b, n),
});

export function I18nProvider(props: { lang: Lang; children: JSX.Element }) {
  const value: I18n = {
    lang: props.lang,
    t: (k, v) => translate(props.lang, k, v),
    tn: (b, n) => translatePlural(props.lang, b, n),
  };
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export const useI18n = () => useContext(I18nContext);
