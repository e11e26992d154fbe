import slugify from "@sindresorhus/slugify";

// Each employee gets its own address, `<name-slug>@<domain>`: lowercase ASCII from its name
// (transliterated: "Jürgen Weiß" → jurgen-weiss), a numbered suffix when the slug is taken.

/** Longest slug before a suffix (a local part may have 64 characters). */
export const MAX_ADDRESS_SLUG_CHARS = 40;
/** Suffixes tried (-2 … -N) before giving up. */
export const MAX_ADDRESS_SUFFIX = 99;
/** Local parts that belong to the domain's operators (RFC 2142) or robots: never an employee's. */
export const RESERVED_LOCAL_PARTS = new Set([
  "abuse",
  "admin",
  "administrator",
  "billing",
  "hostmaster",
  "info",
  "mailer-daemon",
  "no-reply",
  "noreply",
  "postmaster",
  "root",
  "security",
  "support",
  "webmaster",
]);
const FALLBACK_SLUG = "employee";
const DOMAIN = /^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/;

export class AddressUnavailableError extends Error {
  override readonly name = "AddressUnavailableError";
}

/** The slug of a name: lowercase ASCII letters, digits and single hyphens, bounded. */
export function addressSlug(name: string): string {
  // Apostrophes join (O'Brien → obrien) rather than split the name.
  const slug = slugify(name, {
    separator: "-",
    lowercase: true,
    decamelize: false,
    customReplacements: [
      ["'", ""],
      ["’", ""],
    ],
  })
    .replace(/[^a-z0-9-]+/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const cut = slug.length > MAX_ADDRESS_SLUG_CHARS ? slug.slice(0, MAX_ADDRESS_SLUG_CHARS) : slug;
  const clean = cut.replace(/-+$/, "");
  return clean === "" ? FALLBACK_SLUG : clean;
}

/**
 * The first free address for a name: the slug, then slug-2, slug-3, …; `taken` says whether a
 * local part is in use (a D1 lookup, a Set). Reserved local parts count as taken.
 */
export async function employeeAddress(
  name: string,
  domain: string,
  taken: (localPart: string) => boolean | Promise<boolean>,
): Promise<string> {
  const host = domain.toLowerCase();
  if (!DOMAIN.test(host)) throw new AddressUnavailableError(`not a mail domain: ${domain}`);
  const slug = addressSlug(name);
  for (let n = 1; n <= MAX_ADDRESS_SUFFIX; n++) {
    const local = n === 1 ? slug : `${slug}-${n}`;
    if (RESERVED_LOCAL_PARTS.has(local)) continue;
    if (!(await taken(local))) return `${local}@${host}`;
  }
  throw new AddressUnavailableError(
    `every address for "${slug}" up to -${MAX_ADDRESS_SUFFIX} is taken`,
  );
}
