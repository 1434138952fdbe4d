import PgBoss from "pg-boss";
import { logger } from "#lib/logger";
import { parseOrThrow } from "#lib/validation";
import { jobs } from "./registry";

/** Starts pg-boss on the app's database, creates the queues and subscribes every job. */
export async function startJobRunner(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: 6 });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  await boss.start();
  for (const job of jobs) {
    await boss.createQueue(job.name, { name: job.name, ...job.queue });
    if (job.cron) await boss.schedule(job.name, job.cron, {});
    const { concurrency, pollingIntervalSeconds } = job.work ?? { concurrency: 1, pollingIntervalSeconds: 2 };
    for (let loop = 0; loop < concurrency; loop++) {
      await boss.work(job.name, { pollingIntervalSeconds, batchSize: 1 }, async (batch) => {
        for (const item of batch) {
          await job.handle(parseOrThrow(job.payload, item.data));
        }
      });
    }
  }
  return boss;
}
