import { describe, expect, it } from "vitest";
import { parseMessage } from "#lib/mail/parse-message";
import { senderAddress } from "#lib/messages/sender-address";

// A reply goes to the sender's address as parsed, never to an address that
// only appears inside a display name.
describe("senderAddress", () => {
  it.each([
    ['"IT <x@evil.example>" <it@corp.example>', "it@corp.example"],
    ['"Support, Team" <help@corp.example>', "help@corp.example"],
    ["Ada <ada@example.test>", "ada@example.test"],
    ["ada@example.test", "ada@example.test"],
    [null, ""],
  ])("of %j is %j", (formatted, address) => {
    expect(senderAddress(formatted)).toBe(address);
  });

  it("takes the address from a From header whose name holds another address, as stored by the sync", async () => {
    const raw = Buffer.from('From: "IT <x@evil.example>" <it@corp.example>\r\nTo: b@example.test\r\nSubject: Password reset\r\n\r\nHi\r\n');
    const parsed = await parseMessage(raw, { maxBytes: 1_000_000 });
    expect(senderAddress(parsed.from)).toBe("it@corp.example");
  });
});
