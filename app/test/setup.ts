import { de } from "../src/i18n/de.ts";
import { addDictionary } from "../src/i18n/i18n.tsx";

// As on the server (entry-server.tsx): every language is here before anything renders.
addDictionary("de", de);
