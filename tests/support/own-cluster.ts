import { mkdtempSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { migrate } from "#lib/db/migrate";
import { ensureEmbeddedPostgres, removeEmbeddedPostgres, type EmbeddedPostgresHandle } from "#lib/runtime/embedded-postgres";
import { registerCleanup } from "./cleanup";
import { databaseUrlWithName } from "./database-url";

export interface OwnCluster {
  /** The migrated database `app` on the cluster. */
  databaseUrl: string;
  /** Stops the cluster (the test's outage). */
  stop(): Promise<void>;
  /** Starts it again on the same data and port. */
  restart(): Promise<void>;
}

/**
 * An embedded PostgreSQL cluster of the test file's own, with a migrated
 * database: for tests that stop and restart the server under the app, which
 * the shared test server must never see. Stopped and deleted after the test file.
 */
export async function startOwnCluster(prefix: string): Promise<OwnCluster> {
  const dataDir = mkdtempSync(path.resolve(`.data/${prefix}-`));
  let cluster: EmbeddedPostgresHandle = await ensureEmbeddedPostgres({ dataDir, log: () => {} });
  // Stopped, then deleted with its relocated copy (as root, under /var/lib/connected-apps): each run would leave 100 MB.
  registerCleanup(async () => {
    await cluster.stop();
    await removeEmbeddedPostgres(dataDir);
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query("CREATE DATABASE app");
  await admin.end();
  const databaseUrl = databaseUrlWithName(cluster.url, "app");
  await migrate(databaseUrl, { log: () => {} });
  return {
    databaseUrl,
    stop: () => cluster.stop(),
    async restart() {
      cluster = await ensureEmbeddedPostgres({ dataDir, log: () => {} });
    },
  };
}
