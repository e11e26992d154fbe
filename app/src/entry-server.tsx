// @refresh reload
import { createHandler, StartServer } from "@solidjs/start/server";

import { getRequestEvent } from "solid-js/web";
import { de } from "./i18n/de.ts";
import { addDictionary, langFromCookie } from "./i18n/i18n.tsx";

// The server renders every language.
addDictionary("de", de);

export default createHandler(() => (
  <StartServer
    document={({ assets, children, scripts }) => (
      <html lang={langFromCookie(getRequestEvent()?.request.headers.get("cookie"))}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>InstantWorker: hire AI employees</title>
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
