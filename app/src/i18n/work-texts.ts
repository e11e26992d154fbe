import { enWork } from "./en-work.ts";
import { addEnglish } from "./i18n.tsx";

// Imported (for its effect) by the Schedule and Work tabs, the report page and the account's
// time zone, so their English texts arrive in their own chunks, before they render.
addEnglish(enWork);
