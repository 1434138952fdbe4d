import path from "node:path";
import { mkdtempSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "#lib/db";
import { checkDatabase } from "#lib/health/check-database";
import { waitForDatabase } from "#lib/runtime/wait-for-database";
import { ensureEmbeddedPostgres, removeEmbeddedPostgres, type EmbeddedPostgresHandle } from "#lib/runtime/embedded-postgres";
import { freePort } from "#tests/support/net";

describe("database down", () => {
  it("at start: retries with a log line per attempt, then fails naming the database", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const started = Date.now();
    await expect(
      waitForDatabase(`postgres://app:pw@127.0.0.1:${port}/app`, { seconds: 2, log: (line) => lines.push(line) }),
    ).rejects.toThrow(`The database at 127.0.0.1:${port}/app did not answer for 2 s`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join("\n")).not.toContain("pw@");
  });

  describe("while running", () => {
    let cluster: EmbeddedPostgresHandle;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(path.resolve(".data/outage-"));
      cluster = await ensureEmbeddedPostgres({ dataDir, log: () => {} });
    });
    afterAll(async () => {
      await cluster?.stop();
      await removeEmbeddedPostgres(dataDir);
    });

    it("health turns false while PostgreSQL is down and true again once it is back", async () => {
      const db = createDb(cluster.url);
      expect(await checkDatabase(db)).toBe(true);
      await cluster.stop();
      expect(await checkDatabase(db, 2_000)).toBe(false);
      cluster = await ensureEmbeddedPostgres({ dataDir, log: () => {} });
      // The same client recovers: the pool drops dead connections and opens new ones.
      expect(await checkDatabase(db)).toBe(true);
      await db.$disconnect();
    });
  });
});
