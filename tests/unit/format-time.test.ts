import { describe, expect, it } from "vitest";
import { LOCAL_FORMAT, relativeTime } from "#components/format-time";

describe("how moments are written for the viewer", () => {
  it("names the viewer's zone in a format every Intl accepts (dateStyle with timeZoneName throws)", () => {
    const written = new Date("2026-12-07T14:05:00Z").toLocaleString("en-GB", { ...LOCAL_FORMAT, timeZone: "Europe/Berlin" });
    expect(written).toContain("15:05");
    expect(written).toMatch(/CET|GMT\+1/);
  });

  it("says how far away a moment is, in the largest unit that fits", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(relativeTime(new Date(now + 12 * 60_000), now)).toBe("in 12 minutes");
    expect(relativeTime(new Date(now - 3 * 86_400_000), now)).toBe("3 days ago");
    expect(relativeTime(new Date(now - 20_000), now)).toBe("20 seconds ago");
    expect(relativeTime(new Date(now + 90 * 86_400_000), now)).toBe("in 3 months");
    expect(relativeTime(new Date(now - 800 * 86_400_000), now)).toBe("2 years ago");
  });
});
