import type { HeaderLine } from "./email-loops.ts";

/**
 * Whether the receiving mail server vouched for the From domain: the topmost
 * Authentication-Results header (the last hop prepends it) must come from `trustedAuthServId`
 * and say dmarc=pass for the From domain. Anything lower down could have been written by the
 * sender. Returns undefined when no trusted server id is configured: then nothing is claimed.
 */
export function senderVerified(
  headers: readonly HeaderLine[],
  fromAddress: string,
  trustedAuthServId: string | undefined,
): boolean | undefined {
  if (!trustedAuthServId) return undefined;
  const top = headers.find((h) => h.key === "authentication-results")?.value;
  if (!top) return false;
  const [servId, ...results] = top.split(";").map((p) => p.trim());
  if (servId?.split(/\s+/)[0]?.toLowerCase() !== trustedAuthServId.toLowerCase()) return false;
  const fromDomain = fromAddress.split("@").pop()?.toLowerCase();
  return results.some((r) => {
    const dmarc = /^dmarc\s*=\s*pass\b/i.test(r);
    const domain = /\bheader\.from\s*=\s*([^\s;]+)/i.exec(r)?.[1]?.toLowerCase();
    return dmarc && domain !== undefined && domain === fromDomain;
  });
}
