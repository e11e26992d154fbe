import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import {
  deleteKnowledge,
  downloadKnowledge,
  type Folder,
  listKnowledge,
  prepareUpload,
  storeUpload,
} from "../services/knowledge.ts";
import { KNOWLEDGE_UPLOADS_PER_USER } from "../services/rate-limits.ts";

// The knowledge base's four verbs, for one folder: mounted for the team (/api/knowledge) and for
// each employee (/api/employees/:id/knowledge, where `folderOf` reads and checks the id).
export function knowledgeRoutes(
  mount: "/api/knowledge" | "/api/employees/:id/knowledge",
  folderOf: (param: (name: string) => string | undefined) => Folder,
) {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireMember());
  const folder = (c: { req: { param: (name: string) => string | undefined } }) =>
    folderOf((name) => c.req.param(name));
  const fileId = (raw: string | undefined) => (raw && /^[0-9a-f-]{36}$/.test(raw) ? raw : "-");

  endpoint(routes, mount, `GET ${mount}`, async (c) => ({
    files: await listKnowledge(c.var.deps, currentActor(c).accountId, folder(c)),
  }));
  endpoint(routes, mount, `POST ${mount}`, async (c) => {
    const accountId = currentActor(c).accountId;
    // Only an upload that can be stored counts against the limit: a flood of malformed,
    // oversized or foreign uploads cannot lock the person out of their own.
    const upload = await prepareUpload(c.var.deps, accountId, folder(c), c.req.raw);
    await c.var.deps.limits.take(KNOWLEDGE_UPLOADS_PER_USER, currentActor(c).userId);
    return { files: await storeUpload(c.var.deps, accountId, upload) };
  });
  routes.get("/:fileId", (c) =>
    downloadKnowledge(
      c.var.deps,
      currentActor(c).accountId,
      folder(c),
      fileId(c.req.param("fileId")),
    ),
  );
  endpoint(routes, mount, `DELETE ${mount}/:fileId`, async (c) => {
    await deleteKnowledge(
      c.var.deps,
      currentActor(c).accountId,
      folder(c),
      fileId(c.req.param("fileId")),
    );
    return null;
  });
  return routes;
}
