// @refresh reload
import { createHandler, StartServer } from "@solidjs/start/server";

import { getRequestEvent } from "solid-js/web";
import { de } from "./i18n/de.ts";
import { addDictionary, langFromCookie, translate } from "./i18n/i18n.tsx";

// The server renders every language.
addDictionary("de", de);

const langOfRequest = () => langFromCookie(getRequestEvent()?.request.headers.get("cookie"));

export default createHandler(() => (
  <StartServer
    document={({ assets, children, scripts }) => (
      <html lang={langOfRequest()}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          <title>{translate(langOfRequest(), "meta.title")}</title>
          {assets}
        </head>
        <body>
          <div id="app">{children}</div>
          {scripts}
        </body>
      </html>
    )}
  />
));
