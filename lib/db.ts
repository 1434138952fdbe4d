import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";

export type Db = InstanceType<typeof PrismaClient>;

export function createDb(connectionString: string): Db {
  // A dead connection must fail a request quickly, not hang it: /api/health
  // answers 503 within a few seconds when the database is down.
  const adapter = new PrismaPg({ connectionString, connectionTimeoutMillis: 5_000, max: 10 });
  return new PrismaClient({ adapter });
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
