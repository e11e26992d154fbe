import type { ChannelRow } from "../../db/schema.ts";
import {
  AddressUnavailableError,
  employeeAddress,
  RESERVED_LOCAL_PARTS,
} from "../channels/email/email-address.ts";
import { defaultChannelSettings } from "../contract/channels.ts";
import { employeeMailDomain } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import {
  ChannelTakenError,
  emailLocalPartTaken,
  getEmployeeChannel,
  upsertChannel,
} from "../store/channels.ts";
import type { ChannelOwner } from "./channel-connect.ts";
import type { Deps } from "./deps.ts";

// Every employee has an address, `<name-slug>@<mail domain>`: made at hire, or the first time
// its channels are read (employees hired before channels existed). It is stable (a rename keeps
// it) and changeable (PUT …/channels/email {address}). The row stores only the local part.

/** Tries at a free address before giving up (two hires of the same name at the same moment). */
const ADDRESS_ATTEMPTS = 3;

/**
 * The employee's email channel, made now when it has none; null when this server has no mail
 * domain. Never replaces an address that exists.
 */
export async function ensureEmailChannel(
  deps: Deps,
  owner: ChannelOwner,
): Promise<ChannelRow | null> {
  const domain = employeeMailDomain(deps.config);
  if (!domain) return null;
  for (let attempt = 1; ; attempt++) {
    const existing = await getEmployeeChannel(deps.env.DB, owner.id, "email");
    if (existing) return existing;
    const address = await employeeAddress(owner.name, domain, (local) =>
      emailLocalPartTaken(deps.env.DB, local),
    );
    try {
      return await upsertChannel(
        deps.env.DB,
        {
          accountId: owner.accountId,
          employeeId: owner.id,
          kind: "email",
          status: "connected",
          externalId: address.slice(0, address.indexOf("@")),
          display: address,
          settings: defaultChannelSettings("email"),
          connectedAt: deps.now(),
        },
        deps.now(),
      );
    } catch (err) {
      // Another employee took the same slug between the look-up and the write: the next free.
      if (!(err instanceof ChannelTakenError) || attempt >= ADDRESS_ATTEMPTS) throw err;
    }
  }
}

/** ensureEmailChannel for a hire: a failure is logged, the address is made when next read. */
export async function addressAtHire(deps: Deps, owner: ChannelOwner): Promise<void> {
  try {
    await ensureEmailChannel(deps, owner);
  } catch (err) {
    const reason = err instanceof AddressUnavailableError ? err.message : String(err);
    deps.log.warn("the employee's address was not made at hire", { reason });
  }
}

/** A new local part for the employee's address: 409 address_taken when it is another's. */
export async function changeEmailAddress(
  deps: Deps,
  row: ChannelRow,
  localPart: string,
): Promise<ChannelRow> {
  const domain = employeeMailDomain(deps.config);
  if (!domain)
    throw new ApiError(503, "channels_not_configured", "Email has no domain on this server yet.");
  if (row.externalId === localPart) return row;
  if (RESERVED_LOCAL_PARTS.has(localPart))
    throw new ApiError(400, "invalid_input", "That address is reserved.", {
      address: "This address is kept for the domain's operators.",
    });
  try {
    return await upsertChannel(
      deps.env.DB,
      {
        accountId: row.accountId,
        employeeId: row.employeeId,
        kind: "email",
        status: row.status,
        externalId: localPart,
        display: `${localPart}@${domain}`,
        settings: row.settings,
      },
      deps.now(),
    );
  } catch (err) {
    if (err instanceof ChannelTakenError)
      throw new ApiError(409, "address_taken", `${localPart}@${domain} is another employee's.`, {
        address: "Taken by another employee.",
      });
    throw err;
  }
}
