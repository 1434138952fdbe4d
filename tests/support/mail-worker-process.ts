// A mail worker in its own process, for tests that kill it (-9) or run several, and for the benchmarks that read
// its memory. The environment carries DATABASE_URL, ENCRYPTION_KEYS, INSECURE_OAUTH_HOSTS, APP_URL, and optionally
// MAIL_WORKER_OPTIONS (JSON of MailWorkerOptions). Its database connections are named `mail-worker-<pid>`
// (application_name), so a test can count them in pg_stat_activity. Prints "ready <worker id>" once started;
// SIGTERM stops it and hands its accounts back.
import { createDb } from "#lib/db";
import { env } from "#lib/env";
import { MailWorker, type MailWorkerOptions } from "#lib/mail/mail-worker";
import { workerApplicationName } from "./spawn-mail-worker";

const url = new URL(env().DATABASE_URL!);
url.searchParams.set("application_name", workerApplicationName(process.pid));
const options = JSON.parse(process.env.MAIL_WORKER_OPTIONS ?? "{}") as MailWorkerOptions;
const db = createDb(url.toString());
const worker = new MailWorker(db, url.toString(), options);
await worker.start();
process.stdout.write(`ready ${worker.id}\n`);
process.on("SIGTERM", () => {
  void worker
    .stop()
    .then(() => db.$disconnect())
    .then(() => process.exit(0));
});
