import { enWorkspace } from "./en-workspace.ts";
import { addEnglish } from "./i18n.tsx";

// Imported (for its effect) by every component that says a workspace text, so the texts arrive
// in that page's own chunk, before it renders, on the server and in the browser alike.
addEnglish(enWorkspace);
