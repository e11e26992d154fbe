// `npm run dev` (infra/scripts/dev.ts) starts a stand-in for a service (the model provider,
// Stripe) only when the developer has not configured the real one. Configured means a non-empty
// value where wrangler would find it: the dotenv file it reads (.dev.vars or .env; `export NAME=`
// and quotes are dotenv too) or, for a variable passed through, the environment. A stand-in
// passed with --var would override a real key, so a value missed here must not be possible.

/** Whether `name` has a non-empty value in the dotenv text or the environment. */
export function configuredVar(
  name: string,
  dotenv: string | undefined,
  environment: Record<string, string | undefined> = process.env,
): boolean {
  if (environment[name]?.trim()) return true;
  for (const raw of (dotenv ?? "").split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    const eq = line.indexOf("=");
    if (eq < 0 || line.slice(0, eq).trim() !== name) continue;
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^(["'`])(.*)\1$/, "$2")
      .trim();
    if (value && !value.startsWith("#")) return true;
  }
  return false;
}
