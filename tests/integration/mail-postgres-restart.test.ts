import { beforeAll, describe, expect, it } from "vitest";
import { updateEmailAccount } from "#lib/email-accounts/update-email-account";
import { listMailWorkers } from "#lib/mail/list-mail-workers";
import { requestSync } from "#lib/mail/notify-workers";
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

  it("hears Sync now and a settings change after an outage longer than its first reconnects", async () => {
    // No IDLE and an hour between polls: only the two signals make this account sync.
    const { user, account } = await f.mailUser("signals@example.test", { useIdle: false, pollIntervalSeconds: 3600 });
    await f.dovecot.createFolder("signals@example.test", "Archive");
    const worker = await spawnMailWorker({ databaseUrl: f.databaseUrl, encryptionKeys: f.encryptionKeys });
    await waitFor(async () => (await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).lastSyncAt, 60_000, "the first sync");

    await cluster.stop();
    // Longer than the worker's first reconnects (about 1, 2 and 4 s, each spread by half).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await cluster.restart();
    const back = new Date();
    await waitFor(
      async () => ((await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).lastSyncAt ?? new Date(0)) > back,
      60_000,
      "the catch-up sync once the worker hears again (a Sync now asked during the outage is lost with the connection)",
    );
    // The worker's notification connection is back once the worker is alive again: that connection is its sign of life (ADR 0015).
    await waitFor(async () => (await listMailWorkers(f.db)).some((listed) => listed.pid === worker.pid && listed.alive), 60_000, "the worker listening again");
    await f.dovecot.deliver("signals@example.test", testMessage({ subject: "asked for" }));
    await requestSync(f.db, account.id);
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "asked for" } }), 20_000, "the message a Sync now fetched");

    await f.dovecot.deliver("signals@example.test", testMessage({ subject: "filed away" }), "Archive");
    await updateEmailAccount(f.db, account.id, { folders: ["INBOX", "Archive"] }, user);
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, folder: "Archive" } }), 60_000, "the folder a settings change added");
    expect(worker.exitCode).toBeNull();
  }, 240_000);
});
