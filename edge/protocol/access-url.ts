import type { AccessScope } from "./access-token.ts";

const SERVICE: Record<AccessScope, string> = { chat: "gw", browser: "vnc" };

/** Where an employee's chat or browser is served, from ACCESS_URL_TEMPLATE. */
export const accessServiceUrl = (template: string, employeeId: string, scope: AccessScope) =>
  new URL(template.replace("{employee}", employeeId).replace("{service}", SERVICE[scope]));

/** The browser origin of an employee's chat: its OpenClaw accepts WebSockets from it alone. */
export const chatOrigin = (template: string, employeeId: string) =>
  accessServiceUrl(template, employeeId, "chat").origin;
