import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { parseEnv } from "#lib/env";
import { ensureEmbeddedPostgres, removeEmbeddedPostgres, type EmbeddedPostgresHandle } from "#lib/runtime/embedded-postgres";
import { migrate } from "#lib/db/migrate";
import { assertLocalDatabaseUrl, databaseUrlWithName } from "./database-url";

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    /** Migrated database each test file copies; one per vitest project, whose setups may overlap. */
    templateDatabase: string;
  }
}

let embedded: EmbeddedPostgresHandle | undefined;

/**
 * Finds the PostgreSQL the tests use (DATABASE_URL when set, else an embedded
 * one under .data/test), refuses anything but a local host, and builds a
 * migrated template database that each test file copies.
 */
export async function setup(project: TestProject) {
  const config = parseEnv(process.env);
  let adminUrl: string;
  if (config.DATABASE_URL) {
    adminUrl = config.DATABASE_URL;
  } else {
    embedded = await ensureEmbeddedPostgres({
      dataDir: path.resolve(".data/test"),
      log: () => {},
    });
    adminUrl = embedded.url;
  }
  assertLocalDatabaseUrl(adminUrl);
  const template = `app_test_template_${project.name}`;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await migrate(databaseUrlWithName(adminUrl, template), { log: () => {} });
  project.provide("databaseAdminUrl", adminUrl);
  project.provide("templateDatabase", template);
}

export async function teardown() {
  await embedded?.stop();
  // On a CI machine each run is a fresh clone: its cluster (with a copy under /var/lib/connected-apps when the
  // clone is in a folder the postgres user cannot reach) would only pile up. A developer's stays, for fast reruns.
  // Only the setup that started it: another project's may still be using it.
  if (embedded?.startedHere && process.env.CI) await removeEmbeddedPostgres(path.resolve(".data/test"));
}
