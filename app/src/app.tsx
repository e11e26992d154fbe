import { MetaProvider } from "@solidjs/meta";
import { Router } from "@solidjs/router";
import { FileRoutes } from "@solidjs/start/router";
import { onMount, Suspense } from "solid-js";
import { getRequestEvent, isServer } from "solid-js/web";
import { Layout } from "./components/layout.tsx";
import { Toasts } from "./components/toasts.tsx";
import { I18nProvider, langFromCookie } from "./i18n/i18n.tsx";
import "./styles.css";
import "./styles/polish.css";

export default function App() {
  // The same cookie on both sides, so the server's HTML and the hydrated page agree.
  const lang = langFromCookie(
    isServer ? getRequestEvent()?.request.headers.get("cookie") : document.cookie,
  );
  // Marks the page interactive, for browser tests and for CSS that needs JavaScript.
  onMount(() => {
    document.documentElement.dataset.hydrated = "true";
  });
  return (
    <I18nProvider lang={lang}>
      <MetaProvider>
        <Router
          root={(props) => (
            <Layout>
              <Suspense>{props.children}</Suspense>
              <Toasts />
            </Layout>
          )}
        >
          <FileRoutes />
        </Router>
      </MetaProvider>
    </I18nProvider>
  );
}
