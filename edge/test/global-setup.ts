import type { TestProject } from "vitest/node";
import { startStandIns } from "../../testing/stand-ins/stand-in-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    standInUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const { url, server } = await startStandIns();
  project.provide("standInUrl", url);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
