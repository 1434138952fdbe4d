import { describe, expect, it, vi } from "vitest";
import type { Db } from "#lib/db";
import { logger } from "#lib/logger";
import { AccountSession } from "#lib/mail/account-session";

// A database that fails every call, as one that is restarting does: the
// session cannot read its account, and cannot record that failure either.
function unreachableDb(): Db {
  const refuse = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
  const table = { findUnique: refuse, update: refuse, updateMany: refuse };
  return { emailAccount: table, tokenCache: table, $executeRaw: refuse, $queryRaw: refuse } as unknown as Db;
}

describe("an IMAP session whose database is unreachable", () => {
  it("says so in the log when it cannot even record the failure, and keeps trying", async () => {
    const warnings: string[] = [];
    const spy = vi.spyOn(logger, "warn").mockImplementation(((_: unknown, message?: string) => {
      warnings.push(String(message));
    }) as typeof logger.warn);
    let ended: string | null = null;
    const session = new AccountSession(unreachableDb(), "00000000-0000-4000-8000-000000000001", null, { onEnd: (reason) => (ended = reason) });
    await vi.waitFor(() => expect(warnings).toContain("could not record the IMAP failure; retrying"), { timeout: 5_000 });
    expect(ended).toBeNull();
    await session.stop();
    spy.mockRestore();
    expect(ended).toBe("stopped");
  });
});
