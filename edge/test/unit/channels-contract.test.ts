import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import type { ChannelRow } from "../../../db/schema.ts";
import { channelView, notConnectedView } from "../../channels/channel-view.ts";
import {
  ChannelPut,
  ChannelSettings,
  ChannelView,
  MAX_NOTICE_SECONDS,
  MIN_NOTICE_SECONDS,
  PairingDecision,
} from "../../contract/channels.ts";
import { LiveFrame } from "../../contract/live.ts";

// The channel shapes of the contract (issue 17) and the one way a row becomes what the API shows.

describe("ChannelPut", () => {
  it("takes each kind's fields, trimmed", () => {
    expect(z.parse(ChannelPut, { botToken: " 123456:ABCdef_ghi-JKLmnopqrstuvwxyz " })).toEqual({
      botToken: "123456:ABCdef_ghi-JKLmnopqrstuvwxyz",
    });
    expect(
      z.parse(ChannelPut, { phoneNumberId: "1234567890", accessToken: "EAAG", appSecret: "abc" }),
    ).toEqual({ phoneNumberId: "1234567890", accessToken: "EAAG", appSecret: "abc" });
    expect(z.parse(ChannelPut, { address: " Anna-Schmidt " })).toEqual({
      address: "anna-schmidt",
    });
    expect(z.parse(ChannelPut, {})).toEqual({});
  });

  it("refuses unknown fields, anywhere", () => {
    expect(ChannelPut.safeParse({ botToken: "1:x", token: "y" }).success).toBe(false);
    expect(ChannelPut.safeParse({ settings: { policy: "members", extra: 1 } }).success).toBe(false);
  });

  it("refuses malformed credentials and addresses", () => {
    for (const bad of [
      { botToken: "" },
      { botToken: "has space" },
      { botToken: "x".repeat(301) },
      { phoneNumberId: "+49 170" },
      { address: "anna@example.com" },
      { address: "-anna" },
      { address: "an--na" },
      { address: "a".repeat(65) },
      { paused: "yes" },
    ])
      expect(ChannelPut.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it("holds the notice's delay to its bounds, or off", () => {
    const put = (noticeAfterSeconds: unknown) =>
      ChannelPut.safeParse({ settings: { noticeAfterSeconds } }).success;
    expect(put(MIN_NOTICE_SECONDS)).toBe(true);
    expect(put(MAX_NOTICE_SECONDS)).toBe(true);
    expect(put(null)).toBe(true);
    expect(put(MIN_NOTICE_SECONDS - 1)).toBe(false);
    expect(put(MAX_NOTICE_SECONDS + 1)).toBe(false);
    expect(put(60.5)).toBe(false);
    expect(ChannelPut.safeParse({ settings: { policy: "everyone" } }).success).toBe(false);
    expect(ChannelSettings.safeParse({ noticeAfterSeconds: 5, policy: "members" }).success).toBe(
      false,
    );
  });
});

describe("PairingDecision", () => {
  it("allows (with a member to link) or blocks, nothing else", () => {
    expect(z.parse(PairingDecision, { decision: "allow", userId: "u1" })).toEqual({
      decision: "allow",
      userId: "u1",
    });
    expect(z.parse(PairingDecision, { decision: "block" })).toEqual({ decision: "block" });
    for (const bad of [
      {},
      { decision: "ignore" },
      { decision: "block", userId: "u1" },
      { decision: "allow", userId: "" },
      { decision: "allow", extra: true },
    ])
      expect(PairingDecision.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

const row = (over: Partial<ChannelRow> = {}): ChannelRow => ({
  id: "ch-1",
  accountId: "acc-1",
  employeeId: "emp-1",
  kind: "telegram",
  status: "connected",
  statusReason: null,
  externalId: "123456",
  display: "@anna_bot",
  credentialSealed: "v1.key.iv.cipher",
  secretSealed: "v1.key.iv.secret",
  credentialMasked: "123456:•••••xyz",
  settings: { noticeAfterSeconds: 60, policy: "members" },
  connectedAt: Date.UTC(2026, 11, 2),
  createdBy: "user-1",
  createdAt: Date.UTC(2026, 11, 2),
  updatedAt: Date.UTC(2026, 11, 2),
  ...over,
});
const ctx = { mailDomain: "employees.example.com" };

describe("channelView", () => {
  it("shows a connected channel by its mask, never its sealed values", () => {
    const view = channelView(row(), ctx);
    expect(ChannelView.safeParse(view).success).toBe(true);
    expect(view).toEqual({
      kind: "telegram",
      status: "connected",
      statusReason: null,
      display: "@anna_bot",
      credential: "123456:•••••xyz",
      settings: { noticeAfterSeconds: 60, policy: "members" },
      paused: false,
      connectedAt: "2026-12-02T00:00:00.000Z",
    });
    expect(JSON.stringify(view)).not.toContain("v1.key");
  });

  it("masks a credential that was saved unmasked", () => {
    const raw = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const view = channelView(row({ credentialMasked: raw }), ctx);
    expect(view.credential).toBe("123456:•••••saw");
    expect(JSON.stringify(view)).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
  });

  it("gives email its address, WhatsApp its webhook, paused and failing their state", () => {
    const email = channelView(
      row({ kind: "email", externalId: "anna", display: "", credentialMasked: null }),
      ctx,
    );
    expect(email.address).toBe("anna@employees.example.com");
    expect(email.credential).toBeNull();
    const whatsapp = channelView(row({ kind: "whatsapp", id: "ch/2" }), {
      ...ctx,
      webhook: { base: "https://app.example.com", verifyToken: "vt" },
    });
    expect(whatsapp.webhook).toEqual({
      url: "https://app.example.com/channels/whatsapp/ch%2F2",
      verifyToken: "vt",
    });
    expect(channelView(row({ status: "paused" }), ctx).paused).toBe(true);
    const failing = channelView(row({ status: "failing", statusReason: "x".repeat(900) }), ctx);
    expect(failing.statusReason).toHaveLength(500);
  });

  it("falls back to the kind's defaults for settings it cannot read", () => {
    const settings = { policy: "whoever" } as unknown as ChannelRow["settings"];
    expect(channelView(row({ kind: "email", settings }), ctx).settings).toEqual({
      noticeAfterSeconds: 300,
      policy: "members",
    });
    expect(notConnectedView("slack")).toMatchObject({
      status: "not_connected",
      credential: null,
      settings: { noticeAfterSeconds: 60, policy: "members" },
    });
  });
});

describe("the live socket's channel frames", () => {
  it("parses a channel and a pairing request", () => {
    const channel = channelView(row(), ctx);
    expect(LiveFrame.safeParse({ type: "channel", employeeId: "emp-1", channel }).success).toBe(
      true,
    );
    const request = {
      id: "r1",
      employeeId: "emp-1",
      employeeName: "Anna",
      kind: "telegram",
      sender: { id: "42", name: "Bob", email: null },
      preview: "Hello?",
      messageCount: 1,
      status: "pending",
      createdAt: "2026-12-02T00:00:00.000Z",
    };
    expect(LiveFrame.safeParse({ type: "channel.pairing", request }).success).toBe(true);
    expect(
      LiveFrame.safeParse({ type: "channel.pairing", request: { ...request, kind: "fax" } })
        .success,
    ).toBe(false);
  });
});
