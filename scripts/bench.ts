// `npm run -s bench`: prints the figures as JSON on stdout, each with its baseline
// measured in the same run; progress goes to stderr. Takes about six minutes.
// `npm run bench -- tokens` (or send, mail, recovery) runs one part; `ingest` is the mail part's first figure alone.
import os from "node:os";
import { env } from "#lib/env";
import { logger } from "#lib/logger";
import { benchDatabase, tokenBench } from "../bench/token-bench";
import { sendBench } from "../bench/send-bench";
import { mailIngestBench } from "../bench/mail-ingest-bench";
import { workerRecoveryBench } from "../bench/worker-recovery-bench";
import { DOVECOT, ensureDebianPackages } from "./debian-packages";

// The app's logs go to stdout, where only the JSON belongs: silence them for the run.
logger.level = "silent";

const parts = process.argv.slice(2);
const wanted = (name: string) => parts.length === 0 || parts.includes(name);
const log = (line: string) => process.stderr.write(`${line}\n`);

// The mail figures run against a real Dovecot, as the tests do.
if (wanted("mail") || wanted("recovery") || parts.includes("ingest")) ensureDebianPackages([DOVECOT], "the mail benchmarks");

const database = await benchDatabase(env().DATABASE_URL);
const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() } };
try {
  if (wanted("tokens")) {
    log("bench: tokens");
    results.tokens = await tokenBench(database.adminUrl);
  }
  if (wanted("send")) {
    log("bench: sending");
    results.send = await sendBench(database.adminUrl);
  }
  if (wanted("mail")) {
    log("bench: IMAP ingest, IDLE latency, worker memory");
    results.mail = await mailIngestBench(database.adminUrl, log);
  } else if (parts.includes("ingest")) {
    log("bench: IMAP ingest");
    results.mail = await mailIngestBench(database.adminUrl, log, { ingestOnly: true });
  }
  if (wanted("recovery")) {
    log("bench: mail workers' recovery (start, restart, kill -9, failover) and 1,000 accounts on two workers");
    results.recovery = await workerRecoveryBench(database.adminUrl, log);
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await database.stop();
}
process.exit(0);
