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
          {/* Inline, so no browser asks for /favicon.ico and logs a 404 on every page. */}
          <link
            rel="icon"
            href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%231f5fbf'/%3E%3Ctext x='16' y='22' font-size='16' font-family='sans-serif' font-weight='700' text-anchor='middle' fill='white'%3EIW%3C/text%3E%3C/svg%3E"
          />
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
