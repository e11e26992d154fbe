// @refresh reload
import { mount, StartClient } from "@solidjs/start/client";
import { langFromCookie, loadDictionary } from "./i18n/i18n.tsx";

// The page hydrates in the language the server rendered it in (the same cookie), once that
// language's text is here.
const root = document.getElementById("app");
if (root) {
  void loadDictionary(langFromCookie(document.cookie)).finally(() =>
    mount(() => <StartClient />, root),
  );
}
