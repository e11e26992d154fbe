import { For } from "solid-js";
import { languages, useI18n } from "../i18n/i18n.tsx";

/** The language switch: plain links, so it works without JavaScript (the server sets a cookie). */
export function Languages(props: { path: string }) {
  const { t, lang } = useI18n();
  return (
    <ul class="langs" aria-label={t("nav.language")}>
      <For each={languages}>
        {(code) => (
          <li>
            <a
              href={`/lang/${code}?back=${encodeURIComponent(props.path)}`}
              aria-current={code === lang ? "true" : undefined}
              hreflang={code}
              lang={code}
              rel="nofollow"
            >
              {code.toUpperCase()}
            </a>
          </li>
        )}
      </For>
    </ul>
  );
}
