import { z } from "zod";
import { callGraph, type WhatsAppNumber } from "./whatsapp-api.ts";

const PhoneNumber = z
  .object({
    id: z.string(),
    display_phone_number: z.string(),
    verified_name: z.string().optional(),
  })
  .loose();

export interface ConnectedWhatsAppNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  verifiedName: string | null;
}

/**
 * Proves the phone number id and the access token belong together (GET /{phone-number-id}):
 * a wrong token is `unauthorized`, an id the token cannot see is `invalid_request`.
 */
export async function connectWhatsApp(number: WhatsAppNumber): Promise<ConnectedWhatsAppNumber> {
  const found = await callGraph(
    number,
    "GET",
    `${number.phoneNumberId}?fields=id,display_phone_number,verified_name`,
    null,
    PhoneNumber,
  );
  return {
    phoneNumberId: found.id,
    displayPhoneNumber: found.display_phone_number,
    verifiedName: found.verified_name ?? null,
  };
}
