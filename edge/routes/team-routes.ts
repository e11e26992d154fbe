import { Hono } from "hono";
import { z } from "zod";
import { ApiError, notFound } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { inviteMember, listInvitations, revokeInvite } from "../services/invitations.ts";
import {
  changeMemberRole,
  listTeamMembers,
  removeMember,
  setMemberApprovals,
} from "../services/team.ts";

const MOUNT = "/api/team";
export const teamRoutes = new Hono<AppEnv>();
teamRoutes.use("*", requireMember());

// Ids in the path cannot name anything when malformed, so they are answered like unknown ones.
// User ids are UUIDs; the check stays loose enough for any id a migration kept.
const UserId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
const InvitationId = z.uuid();

function pathId(schema: z.ZodType<string>, raw: string | undefined, what: string): string {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw notFound(what);
  return parsed.data;
}

endpoint(teamRoutes, MOUNT, "GET /api/team/members", async (c) => ({
  members: await listTeamMembers(c.var.deps, currentActor(c)),
}));

endpoint(teamRoutes, MOUNT, "PATCH /api/team/members/:userId", async (c, input) => {
  const userId = pathId(UserId, c.req.param("userId"), "member");
  const { role, canApprove } = await input.body();
  const deps = c.var.deps;
  const actor = currentActor(c);
  // A role, a grant to decide approvals (issue 18), or both: the role first (a member made one
  // may then be granted it).
  let member = role === undefined ? null : await changeMemberRole(deps, actor, userId, role);
  if (canApprove !== undefined) member = await setMemberApprovals(deps, actor, userId, canApprove);
  if (!member) throw new ApiError(400, "invalid_input", "Choose a role.");
  return { member };
});

endpoint(teamRoutes, MOUNT, "DELETE /api/team/members/:userId", async (c) => {
  const userId = pathId(UserId, c.req.param("userId"), "member");
  await removeMember(c.var.deps, currentActor(c), userId);
  return null;
});

endpoint(teamRoutes, MOUNT, "GET /api/team/invites", async (c) => ({
  invites: await listInvitations(c.var.deps, currentActor(c)),
}));

endpoint(teamRoutes, MOUNT, "POST /api/team/invites", async (c, input) => {
  const body = await input.body();
  return { invite: await inviteMember(c.var.deps, currentActor(c), body) };
});

endpoint(teamRoutes, MOUNT, "DELETE /api/team/invites/:id", async (c) => {
  const id = pathId(InvitationId, c.req.param("id"), "invitation");
  await revokeInvite(c.var.deps, currentActor(c), id);
  return null;
});
