import { enBackups } from "./en-backups.ts";
import { addEnglish } from "./i18n.tsx";

// Imported (for its effect) by the Backups tab, so its English texts arrive in the tab's own
// chunk, before it renders.
addEnglish(enBackups);
