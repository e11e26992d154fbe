import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESEND_API_KEY } from "../../testing/stand-ins/resend-stand-in.ts";
import { api, client, errorOf, uniqueEmail } from "./helpers.ts";
import { invite, person } from "./team-helpers.ts";

// The invitation through a real email provider's wire format (the loopback Resend stand-in).
const provider = (key: string) => ({
  RESEND_API_KEY: key,
  EMAIL_API_URL: `${env.STAND_IN_URL}/resend/`,
});

async function sentTo(email: string) {
  const res = await fetch(`${env.STAND_IN_URL}/resend/_test/sent?to=${encodeURIComponent(email)}`);
  return ((await res.json()) as { emails: { subject: string; text: string; html: string }[] })
    .emails;
}

describe("the invitation email", () => {
  it("names the team and the inviter, escaped: a team's name cannot write the mail's HTML", async () => {
    const owner = await person("owner");
    await env.DB.prepare("UPDATE accounts SET name = ? WHERE id = ?")
      .bind('<img src=x onerror="alert(1)">\nBcc: evil@example.com', owner.accountId)
      .run();
    const email = uniqueEmail("mailed");
    const res = await api("/api/team/invites", {
      method: "POST",
      json: { email, role: "member" },
      cookie: owner.cookie,
      envOverride: provider(RESEND_API_KEY),
    });
    expect(res.status).toBe(201);
    const [mail] = await sentTo(email);
    expect(mail?.subject).toContain(owner.email);
    expect(mail?.subject).not.toMatch(/[\r\n]/);
    expect(mail?.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(mail?.html).not.toContain("<img");
    const link = new URL(/https?:\/\/\S+/.exec(mail?.text ?? "")?.[0] ?? "");
    expect(link.pathname).toBe("/invite");
    expect(mail?.text).toContain("7 days");
  });

  it("no mail, no invitation: a provider failure is 503 and the earlier link still works", async () => {
    const owner = await person("owner");
    const email = uniqueEmail("unlucky");
    const first = await invite(owner.cookie, email);
    const res = await api("/api/team/invites", {
      method: "POST",
      json: { email, role: "member" },
      cookie: owner.cookie,
      envOverride: provider("re_wrong"),
    });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("email_unavailable");
    const { invites } = await client(owner.cookie)("GET /api/team/invites");
    expect(invites.map((i) => i.id)).toEqual([first.invite.id]);
    expect((await api(`/api/invitation?token=${first.token}`)).status).toBe(200);
  });
});
