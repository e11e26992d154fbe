import { and, eq, isNull } from "drizzle-orm";
import { nodes } from "../../db/schema.ts";
import { hashToken } from "../auth/tokens.ts";
import type { Deps } from "./deps.ts";

// A node token is "iwn_" + 256 random bits; only its SHA-256 is stored (infra/scripts/node-token.ts
// makes them). Revoked tokens stop working at the next connection attempt.
export async function nodeForToken(
  deps: Deps,
  authorization: string | undefined,
): Promise<string | null> {
  const token = /^Bearer (iwn_[A-Za-z0-9_-]{20,200})$/.exec(authorization ?? "")?.[1];
  if (!token) return null;
  const row = await deps.db
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(eq(nodes.tokenHash, hashToken(token)), isNull(nodes.revokedAt)))
    .get();
  return row?.id ?? null;
}
