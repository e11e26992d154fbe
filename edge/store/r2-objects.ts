// R2 by prefix: what an account's deletion and the exports' expiry remove.

// R2 lists and deletes at most 1000 keys per call.
const R2_PAGE = 1000;
// A bound on one call's work; what is left is found again by the next run.
const MAX_ROUNDS = 100;

/** Deletes every object whose key starts with `prefix`; how many went. */
export async function deleteR2Prefix(bucket: R2Bucket, prefix: string): Promise<number> {
  if (!prefix.endsWith("/")) throw new Error(`refusing to delete a prefix without "/": ${prefix}`);
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Listed afresh each round: what was deleted is gone from the listing.
    const page = await bucket.list({ prefix, limit: R2_PAGE });
    if (page.objects.length === 0) break;
    await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    if (!page.truncated) break;
  }
  return deleted;
}

export async function deleteR2Keys(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += R2_PAGE) await bucket.delete(keys.slice(i, i + R2_PAGE));
}
