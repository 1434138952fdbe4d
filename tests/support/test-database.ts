import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { registerCleanup } from "./cleanup";
import { databaseUrlWithName } from "./database-url";

/**
 * A fresh database for one test file: a copy of the migrated template
 * (or an empty one with `{ migrated: false }`), dropped after the file.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  const adminUrl = inject("databaseAdminUrl");
  const name = `app_test_${randomBytes(6).toString("hex")}`;
  const template = options.migrated === false ? "template0" : inject("templateDatabase");
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  registerCleanup(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return databaseUrlWithName(adminUrl, name);
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
