import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/**
 * Applies the pending folders of prisma/migrations with plain `pg`, keeping
 * Prisma Migrate's bookkeeping (`_prisma_migrations`, its checksums and its
 * advisory lock) so `prisma migrate deploy` still works wherever its native
 * engine can be downloaded (docs/decisions/0002-offline-migrations.md).
 */

// Prisma Migrate's own lock key: our runner and `prisma migrate deploy` exclude each other too.
const MIGRATION_LOCK_KEY = 72707369;

// Prisma's DDL for its table, column for column, so its engine accepts the rows we write.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// The runner wraps each file in its own transaction; a COMMIT inside the file would end
// that transaction early and leave the rest of the file, and its record, outside it.
const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK)\b[^;\n]*;/im;

export interface MigrationFolder {
  /** The folder name, e.g. `20261125120000_init`: Prisma's `migration_name`. */
  name: string;
  /** Absolute path of its migration.sql. */
  file: string;
  sql: string;
  /** SHA-256 of the file's bytes, hex, as Prisma records it. */
  checksum: string;
}

type MigrationRow = { migration_name: string; checksum: string; finished_at: Date | null };

export function defaultMigrationsDir(): string {
  return path.resolve(process.cwd(), "prisma/migrations");
}

/** The migration folders of a directory, sorted by name (the order Prisma applies them in). */
export async function readMigrationFolders(migrationsDir = defaultMigrationsDir()): Promise<MigrationFolder[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      const bytes = await readFile(file).catch((error: Error) => {
        throw new Error(`Migration ${name} has no readable migration.sql: ${error.message}`);
      });
      return { name, file, sql: bytes.toString("utf8"), checksum: sha256(bytes) };
    }),
  );
}

export async function migrate(
  databaseUrl: string,
  options: { migrationsDir?: string; log?: (message: string) => void } = {},
): Promise<{ applied: string[] }> {
  const log = options.log ?? (() => {});
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const folders = await readMigrationFolders(migrationsDir);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session-level: held across the per-file transactions, and released by the server
    // when this connection closes, even if the process dies.
    const { rows: lock } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [MIGRATION_LOCK_KEY]);
    if (!lock[0]?.locked) {
      log("Waiting for another process to finish migrating this database");
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
    // Rows marked rolled back (`prisma migrate resolve --rolled-back`) count as never applied, as for Prisma.
    const { rows } = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
    );
    checkHistory(rows, folders, migrationsDir);

    const done = new Set(rows.map((row) => row.migration_name));
    const applied: string[] = [];
    for (const folder of folders.filter((folder) => !done.has(folder.name))) {
      const started = performance.now();
      await applyOne(client, folder);
      log(`Applied migration ${folder.name} (${Math.round(performance.now() - started)} ms)`);
      applied.push(folder.name);
    }
    await compressMailBytesWithLz4(client, log);
    return { applied };
  } finally {
    await client.end();
  }
}

/** The columns that hold mail bytes: raw messages and attachment contents. */
const MAIL_BYTE_COLUMNS = [
  ["inbound_messages", "raw"],
  ["inbound_attachments", "content"],
  ["outbound_attachments", "content"],
] as const;

/**
 * Where the server has LZ4 (PostgreSQL 14+ built with it: Debian's, the
 * official images), mail bytes are compressed with it instead of pglz, which
 * spent most of PostgreSQL's CPU on a realistic corpus for about the same
 * size (ADR 0009). Not a migration: a migration must run on every server, and
 * the embedded one of `npm start` has no LZ4 (there they stay pglz); nor can
 * a migration test for it, as Prisma's engine cuts files at every semicolon.
 * Idempotent, and only values written from then on are affected.
 */
async function compressMailBytesWithLz4(client: pg.Client, log: (message: string) => void): Promise<void> {
  const { rows } = await client.query<{ lz4: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
  if (!rows[0]?.lz4) return;
  for (const [table, column] of MAIL_BYTE_COLUMNS) {
    const { rows: current } = await client.query<{ compression: string }>(
      `SELECT attcompression AS compression FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2`,
      [table, column],
    );
    if (!current[0] || current[0].compression === "l") continue;
    await client.query(`ALTER TABLE "${table}" ALTER COLUMN "${column}" SET COMPRESSION lz4`);
    log(`${table}.${column}: compressed with LZ4 from now on`);
  }
}

function checkHistory(rows: MigrationRow[], folders: MigrationFolder[], migrationsDir: string): void {
  const byName = new Map(folders.map((folder) => [folder.name, folder]));
  for (const row of rows) {
    const name = row.migration_name;
    if (row.finished_at === null) {
      throw new Error(
        `Migration ${name} is recorded in _prisma_migrations as started but never finished (a failed run of prisma migrate deploy?). ` +
          `Repair the database by hand, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${name}' AND finished_at IS NULL) and start again.`,
      );
    }
    const folder = byName.get(name);
    if (!folder) {
      throw new Error(
        `Migration ${name} is applied to this database but has no folder in ${migrationsDir}: this code is older than the database, or the folder was renamed or deleted.`,
      );
    }
    if (!checksumMatches(folder, row.checksum)) {
      throw new Error(
        `Migration ${name} was edited after it was applied: ${folder.file} no longer matches the checksum recorded in _prisma_migrations. ` +
          `Restore the file and put the change in a new migration.`,
      );
    }
  }
}

async function applyOne(client: pg.Client, folder: MigrationFolder): Promise<void> {
  if (TRANSACTION_CONTROL.test(folder.sql)) {
    throw new Error(
      `Migration ${folder.name} controls transactions itself (BEGIN/COMMIT/ROLLBACK in ${folder.file}): remove those statements, each migration already runs in a transaction of its own.`,
    );
  }
  await client.query("BEGIN");
  try {
    await client.query(folder.sql);
    // started_at defaults to now(), the start of this transaction; clock_timestamp() is the real end.
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, 1)`,
      [randomUUID(), folder.checksum, folder.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    // If the connection itself broke, the server rolls back anyway: keep the original error.
    await client.query("ROLLBACK").catch(() => {});
    throw new Error(`Migration ${folder.name} failed and was rolled back, nothing of it is applied: ${where(folder, error)}`, { cause: error });
  }
}

/** `file:line: message`, the line taken from the position PostgreSQL reports. */
function where(folder: MigrationFolder, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = error instanceof pg.DatabaseError ? Number(error.position) : NaN;
  const line = Number.isInteger(position) && position > 0 ? folder.sql.slice(0, position - 1).split("\n").length : undefined;
  return `${folder.file}${line ? `:${line}` : ""}: ${message}`;
}

/** Prisma also accepts a file whose line endings git converted (CRLF <-> LF) after it was applied. */
function checksumMatches(folder: MigrationFolder, recorded: string): boolean {
  return [folder.checksum, sha256(folder.sql.replaceAll("\r\n", "\n")), sha256(folder.sql.replaceAll("\n", "\r\n"))].includes(recorded);
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
