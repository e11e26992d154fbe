import { enApprovals } from "./en-approvals.ts";
import { addEnglish } from "./i18n.tsx";

// Imported (for its effect) by the approvals inbox and the autonomy settings, so their English
// texts arrive in their own chunks, before they render.
addEnglish(enApprovals);
