import PgBoss from "pg-boss";
import { logger } from "#lib/logger";
import { parseOrThrow } from "#lib/validation";
import { jobHandlers } from "./registry";

/** Starts pg-boss on the app's database, creates the queues and subscribes every job. */
export async function startJobRunner(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: 6 });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  await boss.start();
  for (const { contract, handle } of jobHandlers) {
    await boss.createQueue(contract.name, { name: contract.name, ...contract.queue });
    if (contract.cron) await boss.schedule(contract.name, contract.cron, {});
    const { concurrency, pollingIntervalSeconds } = contract.work ?? { concurrency: 1, pollingIntervalSeconds: 2 };
    for (let loop = 0; loop < concurrency; loop++) {
      await boss.work(contract.name, { pollingIntervalSeconds, batchSize: 1 }, async (batch) => {
        for (const item of batch) {
          await handle(parseOrThrow(contract.payload, item.data));
        }
      });
    }
  }
  return boss;
}
