import { createApp } from "./app.ts";
import type { Env } from "./env.ts";

export { RateLimiter } from "./objects/rate-limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
