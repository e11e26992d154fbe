import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import {
  createConversation,
  listConversations,
  messagePage,
  sendMessage,
  stopConversation,
} from "../services/chat.ts";
import { uploadAttachment } from "../services/chat-attachments.ts";

// The workspace chat of one employee (services/chat.ts), mounted at /api/employees/:id.
const MOUNT = "/api/employees/:id";
export const chatRoutes = new Hono<AppEnv>();
chatRoutes.use("*", requireMember());

// A malformed id cannot name anything: answered like any unknown employee or conversation.
const Uuid = z.uuid();
function idOf(raw: string | undefined, what: string): string {
  const parsed = Uuid.safeParse(raw);
  if (!parsed.success) throw new ApiError(404, "not_found", `That ${what} does not exist.`);
  return parsed.data;
}
type Params = { req: { param: (name: string) => string | undefined } };
const employeeId = (c: Params) => idOf(c.req.param("id"), "employee");
const conversationId = (c: Params) => idOf(c.req.param("conversationId"), "conversation");

endpoint(chatRoutes, MOUNT, "GET /api/employees/:id/conversations", (c) =>
  listConversations(c.var.deps, currentActor(c), employeeId(c)),
);

endpoint(chatRoutes, MOUNT, "POST /api/employees/:id/conversations", async (c, input) => ({
  conversation: await createConversation(c.var.deps, currentActor(c), employeeId(c), input.body),
}));

endpoint(
  chatRoutes,
  MOUNT,
  "GET /api/employees/:id/conversations/:conversationId/messages",
  (c, input) =>
    messagePage(c.var.deps, currentActor(c), employeeId(c), conversationId(c), input.query()),
);

endpoint(
  chatRoutes,
  MOUNT,
  "POST /api/employees/:id/conversations/:conversationId/messages",
  (c, input) =>
    sendMessage(c.var.deps, currentActor(c), employeeId(c), conversationId(c), input.body),
);

endpoint(
  chatRoutes,
  MOUNT,
  "POST /api/employees/:id/conversations/:conversationId/stop",
  async (c) => ({
    conversation: await stopConversation(
      c.var.deps,
      currentActor(c),
      employeeId(c),
      conversationId(c),
    ),
  }),
);

endpoint(chatRoutes, MOUNT, "POST /api/employees/:id/attachments", async (c) => ({
  attachment: await uploadAttachment(c.var.deps, currentActor(c), employeeId(c), c.req.raw),
}));
