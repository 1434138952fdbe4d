// Drains one account's outbound queue in its own process, as the worker's send-outbound job
// does, until nothing is due; for tests that kill it (-9) in the middle of sending.
// The environment carries DATABASE_URL, ENCRYPTION_KEYS, INSECURE_OAUTH_HOSTS, APP_URL.
import { createDb } from "#lib/db";
import { env } from "#lib/env";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";

const [emailAccountId] = process.argv.slice(2);
const db = createDb(env().DATABASE_URL!);
process.stdout.write("ready\n");
for (;;) {
  const result = await drainOutboundQueue(db, emailAccountId!);
  if (result.sent + result.failed + result.deferred === 0 && !result.busy) break;
}
await db.$disconnect();
process.stdout.write("done\n");
process.exit(0);
