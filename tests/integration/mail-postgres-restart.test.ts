import { beforeAll, describe, expect, it } from "vitest";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";
import { startOwnCluster, type OwnCluster } from "#tests/support/own-cluster";
import { spawnMailWorker } from "#tests/support/spawn-mail-worker";

let cluster: OwnCluster;
let f: MailFixture;

beforeAll(async () => {
  // A cluster of its own: this test stops and restarts it.
  cluster = await startOwnCluster("pg-restart");
  f = await createMailFixture({ databaseUrl: cluster.databaseUrl });
});

describe("PostgreSQL restarted under a running worker", () => {
  it("keeps syncing once the database is back, without restarting the worker", async () => {
    const { account } = await f.mailUser("restart@example.test");
    await f.dovecot.deliver("restart@example.test", testMessage({ subject: "before the restart" }));
    const worker = await spawnMailWorker({ databaseUrl: f.databaseUrl, encryptionKeys: f.encryptionKeys });
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "before the restart" } }), 60_000, "the first message");

    await cluster.stop();
    await f.dovecot.deliver("restart@example.test", testMessage({ subject: "while the database was down" }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await cluster.restart();

    await waitFor(
      () => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "while the database was down" } }),
      90_000,
      "the message delivered during the outage",
    );
    expect(worker.exitCode).toBeNull();
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id } })).toBe(2);
  }, 240_000);
});
