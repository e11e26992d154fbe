import { expect, test } from "@playwright/test";
import {
  hydrated,
  mailCount,
  newestMail,
  screenshots,
  signIn,
  signUpAndHireAda,
} from "./helpers.ts";

// Issue 14's journey: an owner invites a colleague, the colleague signs in through the
// invitation and sees the team's employee, can chat but cannot fire (no button, and the API says
// 403 forbidden_role), and the owner sees the invitation, the joining and the chat access in the
// audit log. Everything runs as `npm run dev` serves it, with the one-second test employee.

const TEAM = "Acme Research";

test("an owner invites a colleague, who joins, chats but cannot fire; the audit log shows it", async ({
  browser,
  page,
  request,
}) => {
  test.setTimeout(360_000);
  const stamp = Date.now();
  const owner = `owner-${stamp}@example.com`;
  const colleague = `colleague-${stamp}@example.com`;

  // The owner signs up and hires Ada, as the first journey does.
  await signUpAndHireAda(page, request, owner);
  // The workspace opens by itself once the employee runs.
  await expect(page).toHaveURL(/\/employees\/[\w-]+$/);

  // The owner names the account, which the invitation then shows.
  await page.goto("/account");
  await hydrated(page);
  await page.getByLabel("Name of the account").fill(TEAM);
  await page.getByRole("button", { name: "Rename" }).click();
  await expect(page.getByText(`The account is now called ${TEAM}.`)).toBeVisible();

  // The Team page: the owner alone, then an invitation for a member.
  await page.goto("/team");
  await hydrated(page);
  await expect(page.locator(`[data-member="${owner}"]`)).toContainText("Owner");
  await expect(page.getByText("No open invitations.")).toBeVisible();
  const mailsBefore = await mailCount(request, colleague);
  await page.getByLabel("Email address").fill(colleague);
  await page.getByRole("combobox", { name: "Role", exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${colleague}.`)).toBeVisible();
  await expect(page.locator(`[data-invite="${colleague}"]`)).toContainText("Member");
  await screenshots(page, "team-owner");

  // The colleague, in a browser of their own, opens the emailed invitation.
  const theirs = await browser.newContext();
  const them = await theirs.newPage();
  const invitation = await newestMail(request, colleague, mailsBefore);
  const inviteLink = invitation.link ?? "";
  expect(new URL(inviteLink).pathname).toBe("/invite");
  await them.goto(inviteLink);
  await hydrated(them);
  await expect(them.getByRole("heading", { level: 1 })).toHaveText(`Join ${TEAM}`);
  await expect(them.getByTestId("invite-lead")).toContainText(`as Member`);
  await screenshots(them, "invite-signed-out");
  // Signed out: a sign-in link goes to the invited address, and the page is remembered.
  await them.getByRole("button", { name: `Email a sign-in link to ${colleague}` }).click();
  await expect(them.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const signInMail = await newestMail(request, colleague, mailsBefore + 1);
  expect(new URL(signInMail.link ?? "").pathname).toBe("/sign-in/confirm");
  await signIn(them, signInMail.link ?? "", colleague);
  // The edge lands every sign-in on onboarding or the dashboard; from there, back to the invitation.
  await expect(them).toHaveURL(/\/invite\?token=/);
  await hydrated(them);
  await them.getByRole("button", { name: `Accept and join ${TEAM}` }).click();

  // In the team now: its employee, no Hire, the switcher naming the team and the role.
  await expect(them).toHaveURL(/\/dashboard$/);
  await hydrated(them);
  const card = them.locator("[data-employee]");
  await expect(card).toHaveCount(1);
  await expect(card.getByRole("heading")).toHaveText("Ada");
  await expect(them.getByRole("button", { name: "Hire an employee" })).toHaveCount(0);
  await expect(them.getByTestId("account-switcher")).toContainText(`${TEAM} · Member`);
  await screenshots(them, "dashboard-member");

  // Chat opens for a member: the Chat tab, and the API's access answer.
  await card.getByRole("link", { name: "Open" }).click();
  await expect(them.getByRole("heading", { level: 1 })).toHaveText("Ada");
  await hydrated(them);
  const employeeId = new URL(them.url()).pathname.split("/").pop() ?? "";
  // Our own chat, as in the first journey; the engine's console is not offered to a member.
  await expect(them.getByRole("textbox", { name: "Message to Ada" })).toBeVisible();
  await expect(them.locator("iframe")).toHaveCount(0);
  const access = await them.evaluate(async (id) => {
    const res = await fetch(`/api/employees/${id}/access`, { method: "POST" });
    return res.status;
  }, employeeId);
  expect(access).toBe(200);

  // But no firing: the Settings tab has no Fire, Restart or Stop, and the API refuses.
  await them.getByRole("tab", { name: "Settings" }).click();
  await expect(them.getByTestId("read-only")).toBeVisible();
  await expect(them.getByTestId("advanced-console")).toHaveCount(0);
  for (const name of ["Fire", "Restart", "Stop", "Save", "Upload"])
    await expect(them.getByRole("button", { name, exact: true })).toHaveCount(0);
  const fired = await them.evaluate(async (id) => {
    const res = await fetch(`/api/employees/${id}`, { method: "DELETE" });
    return { status: res.status, body: (await res.json()) as { error?: { code?: string } } };
  }, employeeId);
  expect(fired.status).toBe(403);
  expect(fired.body.error?.code).toBe("forbidden_role");

  // The colleague's Team page: the list, no invitations, a way to leave.
  await them.goto("/team");
  await hydrated(them);
  await expect(them.locator(`[data-member="${colleague}"]`)).toContainText("Member");
  await expect(them.getByRole("button", { name: "Send invitation" })).toHaveCount(0);
  await expect(them.getByRole("button", { name: `Leave ${TEAM}` })).toBeVisible();
  await screenshots(them, "team-member");
  // And no audit log for a member, from the menu or the API.
  await expect(them.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  const audit = await them.evaluate(async () => (await fetch("/api/audit")).status);
  expect(audit).toBe(403);

  // The owner sees the colleague joined, the invitation spent, and it all in the audit log.
  await page.goto("/team");
  await hydrated(page);
  await expect(page.locator(`[data-member="${colleague}"]`)).toContainText("Member");
  await expect(page.getByText("No open invitations.")).toBeVisible();
  await screenshots(page, "team");

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await hydrated(page);
  await expect(page.locator("tr[data-action='member.invite']").first()).toContainText(owner);
  await expect(page.locator("tr[data-action='member.invite']").first()).toContainText(
    "Invited someone",
  );
  await expect(page.locator("tr[data-action='member.join']").first()).toContainText(colleague);
  await expect(page.locator("tr[data-action='employee.access']").first()).toContainText(colleague);
  await screenshots(page, "audit");
  // Filtered to the colleague: only what they did, and the CSV of the same.
  await page.getByLabel("Person (email)").fill(colleague);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/actor=/);
  await expect(page.locator("tr[data-action='member.invite']")).toHaveCount(0);
  await expect(page.locator("tr[data-action='member.join']")).toHaveCount(1);
  const csvHref = await page.getByRole("link", { name: "Download as CSV" }).getAttribute("href");
  expect(csvHref).toContain("format=csv");
  const csv = await page.request.get(csvHref ?? "");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const text = await csv.text();
  expect(text).toContain("member.join");
  expect(text).toContain(colleague);

  // The owner's Account page: where they are signed in, export and deletion, billing.
  await page.goto("/account");
  await hydrated(page);
  await expect(page.locator("[data-current=true]")).toContainText("This device");
  await expect(page.getByRole("button", { name: `Delete ${TEAM}…` })).toBeVisible();
  await screenshots(page, "account-owner");
  // The colleague's: the plan, and that the owner manages billing.
  await them.goto("/account");
  await hydrated(them);
  await expect(them.getByTestId("owner-billing")).toHaveText(
    `The owner of ${TEAM} manages billing.`,
  );
  await expect(them.getByRole("button", { name: /^Choose / })).toHaveCount(0);
  await screenshots(them, "account-member");
  await theirs.close();
});
