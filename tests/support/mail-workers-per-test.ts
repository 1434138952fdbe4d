import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach } from "vitest";
import type { MailWorkerOptions } from "#lib/mail/mail-worker";
import { createMailFixture, type MailFixture } from "./mail-fixture";
import { spawnMailWorker } from "./spawn-mail-worker";

export interface MailWorkersPerTest {
  /** This test's database, Dovecot and test provider. */
  readonly fixture: MailFixture;
  /** Starts a worker process on this test's database; it is killed after the test. */
  startWorker(options?: MailWorkerOptions): Promise<ChildProcess>;
}

/**
 * For test files of several worker processes: each test gets a database, a
 * Dovecot and workers of its own, so none depends on what another left. Call
 * at the top of the file (it registers beforeEach and afterEach).
 */
export function mailWorkersPerTest(): MailWorkersPerTest {
  let fixture: MailFixture | undefined;
  let workers: ChildProcess[] = [];
  beforeEach(async () => {
    fixture = await createMailFixture();
  });
  afterEach(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL");
    workers = [];
    await fixture?.dovecot.stop();
  });
  return {
    get fixture() {
      if (!fixture) throw new Error("mailWorkersPerTest(): the fixture exists inside a test only");
      return fixture;
    },
    async startWorker(options = {}) {
      const { databaseUrl, encryptionKeys } = this.fixture;
      const worker = await spawnMailWorker({ databaseUrl, encryptionKeys, options });
      workers.push(worker);
      return worker;
    },
  };
}
