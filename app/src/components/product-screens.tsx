import { For } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import "../styles/product.css";

// The product as it is: screens the real-image UI journey takes of the app itself
// (app/e2e/real/workspace.spec.ts writes app/public/product/*.jpg on every run), never stock
// pictures. Each is 1280 × 800; the browser scales them and fetches them only near the viewport.
const SCREENS = [
  { file: "workspace-chat", key: "product.chat" },
  { file: "workspace-browser", key: "product.browser" },
  { file: "dashboard", key: "product.dashboard" },
] as const;

export function ProductScreens() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="product" class="product">
      <h2 id="product">{t("product.title")}</h2>
      <div class="product-screens">
        <For each={SCREENS}>
          {(s) => (
            <figure class="card">
              <img
                src={`/product/${s.file}.jpg`}
                width="1280"
                height="800"
                loading="lazy"
                decoding="async"
                alt={t(`${s.key}.alt`)}
              />
              <figcaption>{t(s.key)}</figcaption>
            </figure>
          )}
        </For>
      </div>
    </section>
  );
}
