// A mail worker alone in its process, for bench/mail-ingest-bench.ts to read its memory (VmRSS).
// The environment carries DATABASE_URL, ENCRYPTION_KEYS, INSECURE_OAUTH_HOSTS, APP_URL, LOG_LEVEL.
// Prints "ready <worker id>" on stdout once started; SIGTERM stops it and hands its accounts back.
import { createDb } from "#lib/db";
import { env } from "#lib/env";
import { MailWorker } from "#lib/mail/mail-worker";

const databaseUrl = env().DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL is required");
const db = createDb(databaseUrl);
const worker = new MailWorker(db, databaseUrl);
await worker.start();
process.stdout.write(`ready ${worker.id}\n`);
process.on("SIGTERM", () => {
  void worker
    .stop()
    .then(() => db.$disconnect())
    .then(() => process.exit(0));
});
