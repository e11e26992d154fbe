import { z } from "zod";
import { boundField, type Sender } from "../channel-message.ts";
import { callSlack, type SlackWorkspace } from "./slack-api.ts";

const User = z
  .object({
    user: z
      .object({
        id: z.string(),
        name: z.string().optional(),
        real_name: z.string().optional(),
        is_email_confirmed: z.boolean().optional(),
        profile: z
          .object({
            email: z.string().optional(),
            display_name: z.string().optional(),
            real_name: z.string().optional(),
          })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();

/**
 * Who wrote (events carry only the user id): users.info with users:read and users:read.email.
 * `verified` is Slack's own word that the person confirmed the email address.
 */
export async function lookupSlackUser(workspace: SlackWorkspace, userId: string): Promise<Sender> {
  const { user } = await callSlack(
    workspace.apiUrl,
    "users.info",
    workspace.token,
    { user: userId },
    User,
  );
  const name = user.profile?.real_name || user.real_name || user.profile?.display_name || user.name;
  const email = user.profile?.email;
  return {
    id: boundField(user.id),
    ...(name ? { name: boundField(name) } : {}),
    ...(email ? { email: boundField(email), verified: user.is_email_confirmed === true } : {}),
  };
}
