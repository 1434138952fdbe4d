import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "#lib/logger";

describe("logger redaction", () => {
  it("never prints tokens, secrets, passwords or Authorization headers", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger(sink);
    log.info(
      {
        password: "hunter2-password",
        clientSecret: "client-secret-value",
        token: { access_token: "at-value", refresh_token: "rt-value" },
        request: { headers: { authorization: "Bearer api-key-value" } },
        account: "ada@example.test",
      },
      "something happened",
    );
    const output = lines.join("");
    for (const secret of ["hunter2-password", "client-secret-value", "at-value", "rt-value", "api-key-value"]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain("ada@example.test");
    expect(output).toContain("[redacted]");
  });
});
