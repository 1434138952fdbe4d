import { z } from "zod";
import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { accountsWithDueMessages, recoverStuckOutbound } from "#lib/outbound/send-queued-messages";
import { defineJob } from "./define-job";
import { wakeOutboundDrain } from "./send-outbound";

/**
 * Every minute: rows a dead worker left in `sending` go back to the queue,
 * then every account with due rows gets a drain (retries after backoff, a
 * job lost between a row's insert and its enqueue, a resumed account).
 */
export const outboundSweepJob = defineJob({
  name: "outbound-sweep",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 120, retryLimit: 0 },
  cron: "* * * * *",
  async handle() {
    const { recovered } = await recoverStuckOutbound(db());
    const accounts = await accountsWithDueMessages(db());
    for (const emailAccountId of accounts) await wakeOutboundDrain(emailAccountId);
    if (recovered + accounts.length > 0) logger.info({ recovered, accounts: accounts.length }, "outbound sweep");
  },
});
