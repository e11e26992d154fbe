/** The Docker network of the UI suite's local stack: its employees, and nothing else, are on it. */
export const UI_NETWORK = "instantworker-ui";
/** The real-image journey's network (real/playwright.config.ts). */
export const REAL_UI_NETWORK = "instantworker-ui-real";
