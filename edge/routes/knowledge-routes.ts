import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { currentUser, requireUser } from "../http/session.ts";
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
export function knowledgeRoutes(folderOf: (param: (name: string) => string | undefined) => Folder) {
  const routes = new Hono<AppEnv>();
  routes.use("*", requireUser());
  const folder = (c: { req: { param: (name: string) => string | undefined } }) =>
    folderOf((name) => c.req.param(name));
  const fileId = (raw: string | undefined) => (raw && /^[0-9a-f-]{36}$/.test(raw) ? raw : "-");

  routes.get("/", async (c) =>
    c.json({ files: await listKnowledge(c.var.deps, currentUser(c).id, folder(c)) }),
  );
  routes.post("/", async (c) => {
    const userId = currentUser(c).id;
    // Only an upload that can be stored counts against the limit: a flood of malformed,
    // oversized or foreign uploads cannot lock the person out of their own.
    const upload = await prepareUpload(c.var.deps, userId, folder(c), c.req.raw);
    await c.var.deps.limits.take(KNOWLEDGE_UPLOADS_PER_USER, userId);
    return c.json({ files: await storeUpload(c.var.deps, userId, upload) }, 201);
  });
  routes.get("/:fileId", (c) =>
    downloadKnowledge(c.var.deps, currentUser(c).id, folder(c), fileId(c.req.param("fileId"))),
  );
  routes.delete("/:fileId", async (c) => {
    await deleteKnowledge(c.var.deps, currentUser(c).id, folder(c), fileId(c.req.param("fileId")));
    return c.body(null, 204);
  });
  return routes;
}
