import path from "node:path";
import pg from "pg";
import { env, setRuntimeEnv, type Env } from "#lib/env";
import { keyring, parseKeyring } from "#lib/crypto";
import { db } from "#lib/db";
import { migrate } from "#lib/db/migrate";
import { checkKeyFingerprints } from "#lib/secrets/check-key-fingerprints";
import { ensureEmbeddedPostgres } from "./embedded-postgres";
import { resolveSecrets } from "./generated-secrets";
import { describeDatabase, waitForDatabase } from "./wait-for-database";

export const EMBEDDED_DATABASE_NAME = "connected_apps";

export interface Runtime {
  config: Env;
  /** Stops what this process started (the embedded PostgreSQL, if it started it). */
  stop(): Promise<void>;
}

/**
 * What every entry point (web launcher, worker, CLI) does first: validate the
 * configuration, provide missing secrets from DATA_DIR, find or start the
 * database, migrate it, and check that our keys can open its secrets.
 */
export async function bootRuntime(log: (message: string) => void): Promise<Runtime> {
  const config = env();
  const dataDir = path.resolve(config.DATA_DIR);

  const checkKeys = (keys: string) => {
    try {
      parseKeyring(keys);
    } catch (error) {
      throw new Error(`Invalid configuration:\n  - ${(error as Error).message}`, { cause: error });
    }
  };
  // A bad configured key stops us before anything is written to DATA_DIR.
  if (config.ENCRYPTION_KEYS) checkKeys(config.ENCRYPTION_KEYS);
  const secrets = resolveSecrets(dataDir, {
    encryptionKeys: config.ENCRYPTION_KEYS,
    nextauthSecret: config.NEXTAUTH_SECRET,
  });
  if (secrets.generated.length > 0) {
    log(`Generated ${secrets.generated.join(" and ")} in ${secrets.file} (mode 0600). Back this file up: without it the stored secrets cannot be opened.`);
  }
  checkKeys(secrets.encryptionKeys);

  let stopDatabase = async () => {};
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await ensureEmbeddedPostgres({ dataDir, log });
    stopDatabase = () => embedded.stop();
    databaseUrl = await ensureDatabase(embedded.url, EMBEDDED_DATABASE_NAME);
  }

  setRuntimeEnv({
    ENCRYPTION_KEYS: secrets.encryptionKeys,
    NEXTAUTH_SECRET: secrets.nextauthSecret,
    DATABASE_URL: databaseUrl,
    // next-auth reads its own variable; ours is APP_URL.
    NEXTAUTH_URL: config.APP_URL,
  });

  try {
    await waitForDatabase(databaseUrl, { seconds: 30, log });
    const { applied } = await migrate(databaseUrl, { log });
    if (applied.length > 0) log(`Database ${describeDatabase(databaseUrl)}: applied ${applied.length} migration(s)`);
    await checkKeyFingerprints(db(), keyring());
  } catch (error) {
    await stopDatabase();
    throw error;
  }
  return { config: env(), stop: stopDatabase };
}

/** Creates the app's database on the embedded server on first start. */
async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
