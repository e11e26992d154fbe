import { describe, expect, it } from "vitest";
import { civilAt, previousWeek, weekAt, weekBounds } from "../../services/iso-week.ts";

// ISO weeks in a time zone (issue 18's report cards): years with 53 weeks, weeks across New
// Year, and Monday midnight where the offset changes.

const at = (iso: string) => Date.parse(iso);

describe("ISO weeks", () => {
  it("numbers weeks as ISO 8601 does, across New Year", () => {
    expect(weekAt(at("2026-12-31T12:00:00Z"), "UTC")).toBe("2026-W53");
    expect(weekAt(at("2027-01-03T12:00:00Z"), "UTC")).toBe("2026-W53");
    expect(weekAt(at("2027-01-04T00:00:00Z"), "UTC")).toBe("2027-W01");
    expect(weekAt(at("2024-12-30T00:00:00Z"), "UTC")).toBe("2025-W01");
    expect(previousWeek("2027-W01")).toBe("2026-W53");
    expect(previousWeek("2026-W01")).toBe("2025-W52");
  });

  it("reads the week in the zone: late Sunday in UTC is Monday in Tokyo", () => {
    const t = at("2026-03-08T23:30:00Z");
    expect(weekAt(t, "UTC")).toBe("2026-W10");
    expect(weekAt(t, "Asia/Tokyo")).toBe("2026-W11");
    expect(civilAt(t, "Asia/Tokyo")).toMatchObject({ weekday: 0, hour: 8, minute: 30 });
  });

  it("bounds a week at Monday midnight local time, also across a change of offset", () => {
    expect(weekBounds("2026-W10", "UTC")).toEqual({
      from: at("2026-03-02T00:00:00Z"),
      to: at("2026-03-09T00:00:00Z"),
    });
    // Berlin's clocks go forward on Sunday 29 March 2026: 167 hours.
    const berlin = weekBounds("2026-W13", "Europe/Berlin");
    expect(berlin).toEqual({ from: at("2026-03-22T23:00:00Z"), to: at("2026-03-29T22:00:00Z") });
    expect(((berlin?.to ?? 0) - (berlin?.from ?? 0)) / 3_600_000).toBe(167);
    expect(weekBounds("2027-W53", "UTC")).toBeNull();
    expect(weekBounds("2026-W53", "UTC")).not.toBeNull();
  });
});
