import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";

export type Db = InstanceType<typeof PrismaClient>;

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(connectionString: string): Db {
  // A dead connection must fail a request quickly, not hang it: /api/health
  // answers 503 within a few seconds when the database is down.
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 5_000, max: 10 });
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/**
 * The connection pool under a client made by createDb(), for the one kind of
 * query Prisma cannot send well: megabytes of bytea. Prisma passes bytes as
 * base64 and PostgreSQL receives them as hex text; `pg` sends a Buffer
 * parameter as binary. Same pool, so the connection bound is unchanged.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("this database client was not made by createDb()");
  return pool;
}

// One client per process; kept on globalThis so Next's dev reloads reuse it.
const holder = globalThis as unknown as { connectedAppsDb?: Db };

export function db(): Db {
  if (!holder.connectedAppsDb) {
    const url = env().DATABASE_URL;
    if (!url) {
      throw new Error("DATABASE_URL is not set: start the app through `npm start`, `npm run web` or `npm run worker`, which provide it.");
    }
    holder.connectedAppsDb = createDb(url);
  }
  return holder.connectedAppsDb;
}

/** For tests and the launcher: use this client as the process's one. */
export function setDb(client: Db): void {
  holder.connectedAppsDb = client;
}
