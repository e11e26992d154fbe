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
    files: await listKnowledge(c.var.deps, currentActor(c), folder(c)),
  }));
  endpoint(routes, mount, `POST ${mount}`, async (c) => {
    const actor = currentActor(c);
    const upload = await prepareUpload(c.var.deps, actor, folder(c), c.req.raw);
    return { files: await storeUpload(c.var.deps, actor, upload) };
  });
  routes.get("/:fileId", (c) =>
    downloadKnowledge(c.var.deps, currentActor(c), folder(c), fileId(c.req.param("fileId"))),
  );
  endpoint(routes, mount, `DELETE ${mount}/:fileId`, async (c) => {
    await deleteKnowledge(c.var.deps, currentActor(c), folder(c), fileId(c.req.param("fileId")));
    return null;
  });
  return routes;
}
