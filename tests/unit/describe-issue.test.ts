import { describe, expect, it } from "vitest";
import { describeIssue } from "#components/api";
import { formatBytes } from "#components/format-bytes";

describe("describeIssue: a validation issue in a person's words", () => {
  it.each([
    [{ path: "to.1", message: "must be an email address" }, { to: { name: "To", item: "address" } }, "To, address 2: must be an email address."],
    [{ path: "attachments.0.filename", message: "is required" }, { attachments: { name: "Files", item: "file" } }, "Files, file 1, filename: is required."],
    [{ path: "imap.host", message: "is required" }, {}, "Imap, host: is required."],
    [{ path: "connectedAppId", message: "is required" }, {}, "Connected app id: is required."],
    [{ path: "", message: "give text or html" }, {}, "Give text or html."],
  ])("%o → %s", (issue, labels, words) => {
    expect(describeIssue(issue, labels)).toBe(words);
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 bytes"],
    [1023, "1023 bytes"],
    [1024, "1 KB"],
    [14_500, "14 KB"],
    [2 * 1024 * 1024, "2.0 MB"],
    [3_355_443, "3.2 MB"],
  ])("%d → %s", (bytes, words) => {
    expect(formatBytes(bytes)).toBe(words);
  });
});
