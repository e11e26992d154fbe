import { enChannels } from "./en-channels.ts";
import { addEnglish } from "./i18n.tsx";

// Imported (for its effect) by the Channels tab, so its English texts arrive in the tab's own
// chunk, before it renders.
addEnglish(enChannels);
