import Stripe from "stripe";
import type { PaidPlanId } from "../contract/catalogue.ts";
import type { Config } from "../env.ts";
import { ApiError } from "../http/api-error.ts";

export type { PaidPlanId };
export const STRIPE_TIMEOUT_MS = 10_000;

// The stripe package on Workers: fetch for HTTP and WebCrypto for signatures. STRIPE_API_URL
// points it at another host (the tests' loopback stand-in); production talks to api.stripe.com.
export function stripeClient(config: Config): Stripe {
  if (!config.STRIPE_SECRET_KEY)
    throw new ApiError(503, "billing_not_configured", "Billing is not configured on this server.");
  const api = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    timeout: STRIPE_TIMEOUT_MS,
    maxNetworkRetries: 2,
    telemetry: false,
    ...(api
      ? {
          host: api.hostname,
          port: api.port || (api.protocol === "https:" ? 443 : 80),
          protocol: api.protocol === "http:" ? ("http" as const) : ("https" as const),
        }
      : {}),
  });
}

export const cryptoProvider = Stripe.createSubtleCryptoProvider();

export function priceFor(config: Config, plan: PaidPlanId): string | undefined {
  return {
    starter: config.STRIPE_PRICE_STARTER,
    pro: config.STRIPE_PRICE_PRO,
    business: config.STRIPE_PRICE_BUSINESS,
  }[plan];
}

/** The plan a Stripe price stands for, by the configured price ids. */
export function planForPrice(config: Config, priceId: string | undefined): PaidPlanId | undefined {
  if (!priceId) return undefined;
  for (const plan of ["starter", "pro", "business"] as const)
    if (priceFor(config, plan) === priceId) return plan;
  return undefined;
}
