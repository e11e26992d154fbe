import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL; wrangler applies it (locally, remotely and in tests), so the
// output folder is wrangler's migrations_dir.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
