import { createHash } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it, onTestFinished } from "vitest";
import { defaultMigrationsDir, migrate, readMigrationFolders, type MigrationFolder } from "#lib/db/migrate";
import { diffDatabaseToSchema, withSchemaEngine } from "#lib/db/schema-diff";
import { createTestDatabase } from "#tests/support/test-database";

// createTestDatabase registers its own cleanup hook, so take every database now, at collection.
const empty = async () => createTestDatabase({ migrated: false });
const db = {
  fresh: await empty(),
  twice: await empty(),
  concurrent: await empty(),
  edited: await empty(),
  lineEndings: await empty(),
  missingFolder: await empty(),
  unfinished: await empty(),
  failing: await empty(),
  committing: await empty(),
  unrecordable: await empty(),
  ours: await empty(),
  prismas: await empty(),
};

const folders = await readMigrationFolders();
const names = folders.map((folder) => folder.name);
const newest = folders.at(-1) as MigrationFolder;

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "migrations-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

const recordedNames = async (url: string) =>
  (await query<{ migration_name: string }>(url, `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`)).map(
    (row) => row.migration_name,
  );

describe("migrate", () => {
  it("brings an empty database to exactly prisma/schema.prisma", async () => {
    expect(names.length).toBeGreaterThan(0);
    // The diff sees an empty database as far from the schema, so an empty diff below means something.
    expect(await diffDatabaseToSchema(db.fresh)).toContain(`CREATE TABLE "users"`);

    const logs: string[] = [];
    const result = await migrate(db.fresh, { log: (message) => logs.push(message) });

    expect(result.applied).toEqual(names);
    expect(logs).toHaveLength(names.length);
    names.forEach((name, i) => expect(logs[i]).toContain(name));
    expect(await diffDatabaseToSchema(db.fresh)).toBe("");

    // A CHECK constraint (which Prisma does not model) is read, as a "char" contype, and ignored.
    await query(db.fresh, `ALTER TABLE "users" ADD CONSTRAINT "users_email_not_blank" CHECK ("email" <> '')`);
    expect(await diffDatabaseToSchema(db.fresh)).toBe("");

    // And drift made after the migrations shows up again.
    await query(db.fresh, `ALTER TABLE "users" ADD COLUMN "nickname" text`);
    expect(await diffDatabaseToSchema(db.fresh)).toMatch(/ALTER TABLE "users" DROP COLUMN "nickname"/);
  });

  it("applies nothing the second time", async () => {
    expect((await migrate(db.twice)).applied).toEqual(names);
    expect((await migrate(db.twice)).applied).toEqual([]);
    expect(await recordedNames(db.twice)).toEqual(names);
  });

  it("serialises concurrent runs on one database: each migration is applied once", async () => {
    const [first, second] = await Promise.all([migrate(db.concurrent), migrate(db.concurrent)]);

    // The lock is held for the whole run, so one run does everything and the other nothing.
    expect([first.applied, second.applied].sort((a, b) => a.length - b.length)).toEqual([[], names]);
    expect(await recordedNames(db.concurrent)).toEqual(names);
  });
});

describe("migrate refuses to start", () => {
  it("when an applied migration file was edited, naming it", async () => {
    const dir = await copyOfMigrations();
    await migrate(db.edited, { migrationsDir: dir });
    await appendFile(path.join(dir, newest.name, "migration.sql"), `\nCREATE TABLE "sneaked_in" ("id" integer);\n`);

    await expect(migrate(db.edited, { migrationsDir: dir })).rejects.toThrow(`Migration ${newest.name} was edited after it was applied`);
    expect(await query(db.edited, `SELECT to_regclass('sneaked_in') AS t`)).toEqual([{ t: null }]);
  });

  it("but not when only the line endings changed (git on Windows), as Prisma", async () => {
    const dir = await copyOfMigrations();
    await migrate(db.lineEndings, { migrationsDir: dir });
    await writeFile(path.join(dir, newest.name, "migration.sql"), newest.sql.replaceAll("\n", "\r\n"));

    expect((await migrate(db.lineEndings, { migrationsDir: dir })).applied).toEqual([]);
  });

  it("when an applied migration has no folder anymore, naming it", async () => {
    const dir = await copyOfMigrations();
    await migrate(db.missingFolder, { migrationsDir: dir });
    await rm(path.join(dir, newest.name), { recursive: true });

    await expect(migrate(db.missingFolder, { migrationsDir: dir })).rejects.toThrow(`Migration ${newest.name} is applied to this database but has no folder`);
  });

  it("when a recorded migration never finished (failed under prisma migrate deploy), naming it", async () => {
    await migrate(db.unfinished);
    await query(db.unfinished, `UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'boom' WHERE migration_name = $1`, [newest.name]);

    await expect(migrate(db.unfinished)).rejects.toThrow(`Migration ${newest.name} is recorded in _prisma_migrations as started but never finished`);

    // Once marked rolled back (what `prisma migrate resolve --rolled-back` does), it counts as not applied.
    await query(db.unfinished, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [newest.name]);
    await expect(migrate(db.unfinished)).rejects.toThrow(/already exists/); // so it runs again, here onto its own tables
  });
});

describe("a failing migration", () => {
  it("leaves nothing of itself, names the file and line, and does not block a fixed version", async () => {
    const dir = await copyOfMigrations();
    await migrate(db.failing, { migrationsDir: dir });
    const broken = "99999999999999_broken";
    await addMigration(dir, broken, `CREATE TABLE "half_done" ("id" integer);\n\n-- the next statement fails\nSELECT * FROM "no_such_table";\n`);

    const failure = migrate(db.failing, { migrationsDir: dir });
    await expect(failure).rejects.toThrow(`Migration ${broken} failed and was rolled back`);
    await expect(failure).rejects.toThrow(`${path.join(dir, broken, "migration.sql")}:4: relation "no_such_table" does not exist`);
    expect(await query(db.failing, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    expect(await recordedNames(db.failing)).toEqual(names);

    await writeFile(path.join(dir, broken, "migration.sql"), `CREATE TABLE "half_done" ("id" integer);\n`);
    expect((await migrate(db.failing, { migrationsDir: dir })).applied).toEqual([broken]);
  });

  it("is rolled back when its record cannot be written: script and record share one transaction", async () => {
    const dir = await copyOfMigrations();
    const unrecordable = "99999999999999_unrecordable";
    // Runs fine, then makes the INSERT of its own row fail.
    await addMigration(
      dir,
      unrecordable,
      `CREATE TABLE "unrecorded" ("id" integer);\nALTER TABLE "_prisma_migrations" ADD CONSTRAINT "no_new_rows" CHECK (false) NOT VALID;\n`,
    );

    await expect(migrate(db.unrecordable, { migrationsDir: dir })).rejects.toThrow(`Migration ${unrecordable} failed and was rolled back`);
    expect(await query(db.unrecordable, `SELECT to_regclass('unrecorded') AS t`)).toEqual([{ t: null }]);
    expect(await recordedNames(db.unrecordable)).toEqual(names);
  });

  it("is refused before it runs when it commits by itself", async () => {
    const dir = await copyOfMigrations();
    const committing = "99999999999999_commits";
    await addMigration(dir, committing, `BEGIN;\nCREATE TABLE "outside" ("id" integer);\nCOMMIT;\n`);

    await expect(migrate(db.committing, { migrationsDir: dir })).rejects.toThrow(`Migration ${committing} controls transactions itself`);
    expect(await query(db.committing, `SELECT to_regclass('outside') AS t`)).toEqual([{ t: null }]);
    expect(await recordedNames(db.committing)).toEqual(names);
  });
});

describe("_prisma_migrations", () => {
  const migrationsList = async () => ({
    baseDir: defaultMigrationsDir(),
    lockfile: { path: "migration_lock.toml", content: await readFile(path.join(defaultMigrationsDir(), "migration_lock.toml"), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories: folders.map((folder) => ({
      path: folder.name,
      migrationFile: { path: "migration.sql", content: { tag: "ok" as const, value: folder.sql } },
    })),
  });
  const filters = { externalTables: [], externalEnums: [] };
  const layout = (url: string) =>
    query(
      url,
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );

  it("has rows as Prisma writes them, and Prisma's engine reads them as applied and unedited", async () => {
    await migrate(db.ours);

    const rows = await query<{
      id: string;
      checksum: string;
      finished_at: Date | null;
      migration_name: string;
      logs: string | null;
      rolled_back_at: Date | null;
      started_at: Date;
      applied_steps_count: number;
    }>(db.ours, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const [i, row] of rows.entries()) {
      const bytes = await readFile(path.join(defaultMigrationsDir(), names[i] as string, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
    }

    const diagnosis = await withSchemaEngine(db.ours, "prisma/schema.prisma", async (engine) =>
      engine.diagnoseMigrationHistory({ migrationsList: await migrationsList(), optInToShadowDatabase: false, filters }),
    );
    expect(diagnosis).toEqual({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
  });

  it("has the layout of the table Prisma's engine creates, and our runner accepts Prisma's rows", async () => {
    const applied = await withSchemaEngine(db.prismas, "prisma/schema.prisma", async (engine) =>
      engine.applyMigrations({ migrationsList: await migrationsList(), filters }),
    );
    expect(applied.appliedMigrationNames).toEqual(names);
    await migrate(db.ours);

    expect(await layout(db.ours)).toEqual(await layout(db.prismas));
    expect((await layout(db.ours)).length).toBe(8);
    expect((await migrate(db.prismas)).applied).toEqual([]);
  });
});
