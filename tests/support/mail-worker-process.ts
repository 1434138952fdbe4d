// A mail worker in its own process, for tests that kill it (-9) or run several.
// The environment carries DATABASE_URL, ENCRYPTION_KEYS, INSECURE_OAUTH_HOSTS, APP_URL.
import { createDb } from "#lib/db";
import { env } from "#lib/env";
import { MailWorker } from "#lib/mail/mail-worker";

const db = createDb(env().DATABASE_URL!);
const worker = new MailWorker(db, env().DATABASE_URL!);
await worker.start();
process.stdout.write(`ready ${worker.id}\n`);
process.on("SIGTERM", () => {
  void worker.stop().then(() => process.exit(0));
});
