import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as engineRuntime from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

/**
 * Dev and test tool: what SQL would bring a live database to prisma/schema.prisma,
 * computed by Prisma's own schema engine compiled to wasm (its native build cannot
 * be downloaded here; docs/decisions/0002-offline-migrations.md). Not for the app's runtime.
 */

let engineLoaded: Promise<void> | undefined;

// The package's entry point imports its .wasm file as an ES module, which Node 20 only
// does behind a flag, so instantiate it by hand against the JS glue, as Prisma's tests do.
function loadEngine(): Promise<void> {
  engineLoaded ??= (async () => {
    const glue = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(glue), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": engineRuntime });
    engineRuntime.__wbg_set_wasm(instance.exports);
    // A Rust panic hands its message to this global just before the engine traps;
    // without it the message is lost in a TypeError. In an async call it surfaces as an
    // uncaught exception (the process exits; under vitest the call never settles).
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: object }).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        throw new Error(`Prisma's schema engine panicked: ${message}`);
      },
    };
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return engineLoaded;
}

const CHAR_OID = 18;
const TEXT_OID = 25;
// The rows array of a pg result -> the indexes of its `"char"` columns.
const charColumnsOfRows = new WeakMap<unknown[], number[]>();

/**
 * adapter-pg refuses Postgres's one-byte `"char"` type ("Column type 'char' could not be
 * deserialized"), which the engine reads from the catalogue (pg_class.relkind,
 * pg_constraint.contype...). Calling it text is not enough: the engine reads contype as a
 * character, and from PostgreSQL 18 on every NOT NULL column has a pg_constraint row, so
 * the engine panics. So: pass OID 18 off as text to get past the adapter, and then tell
 * the engine those columns are characters (pg already gives their value as a 1-char string).
 */
class CharAwarePg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => {
      const result = await queryRaw(query);
      for (const column of charColumnsOfRows.get(result.rows) ?? []) result.columnTypes[column] = ColumnTypeEnum.Character;
      return result;
    };
    return adapter;
  }
}

function charAwarePool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  pool.query = (async (config: pg.QueryConfig) => {
    const result = await query(config);
    const charColumns = (result.fields ?? []).flatMap((field, column) => (field.dataTypeID === CHAR_OID ? [column] : []));
    if (charColumns.length > 0) {
      for (const column of charColumns) (result.fields[column] as pg.FieldDef).dataTypeID = TEXT_OID;
      charColumnsOfRows.set(result.rows, charColumns);
    }
    return result;
  }) as typeof pool.query;
  return pool;
}

/**
 * Runs `use` with Prisma's schema engine connected to `databaseUrl` and loaded with the
 * schema. Also lets tests check our `_prisma_migrations` rows against Prisma's own reading.
 */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaPath: string,
  use: (engine: engineRuntime.SchemaEngine, schema: engineRuntime.SchemasWithConfigDir) => Promise<T>,
): Promise<T> {
  await loadEngine();
  const schemaFile = path.resolve(schemaPath);
  const files = [{ path: schemaFile, content: await readFile(schemaFile, "utf8") }];
  // Our own pool (the adapter leaves an external pool open), closed by us after the engine is done.
  const pool = charAwarePool(databaseUrl);
  const engine = await engineRuntime.SchemaEngine.new(
    { datamodels: files.map((file): [string, string] => [file.path, file.content]) },
    () => {}, // the engine's JSON log lines: nothing we need
    bindMigrationAwareSqlAdapterFactory(new CharAwarePg(pool)),
  );
  try {
    return await use(engine, { files, configDir: path.dirname(schemaFile) });
  } finally {
    try {
      engine.free();
    } catch {
      // After a panic the engine refuses to be freed: keep the panic's error, not this one.
    }
    await pool.end();
  }
}

/**
 * The SQL script that would bring the database at `databaseUrl` to the schema, or "" when
 * they already match. Reads the live database only: no shadow database is created.
 */
export async function diffDatabaseToSchema(databaseUrl: string, schemaPath = "prisma/schema.prisma"): Promise<string> {
  const result = await withSchemaEngine(databaseUrl, schemaPath, (engine, schema) =>
    engine.diff({
      // "Schema datasource" = the live database behind the adapter; the wasm engine no longer takes a URL.
      from: { tag: "schemaDatasource", ...schema },
      to: { tag: "schemaDatamodel", files: schema.files },
      script: true,
      exitCode: true, // 2 when there is a difference; an empty diff is still a one-line comment
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
  return result.exitCode === 2 ? (result.stdout ?? "") : "";
}
