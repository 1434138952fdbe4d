import { z } from "zod";
import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { drainOutboundQueue, type DrainResult } from "#lib/outbound/send-queued-messages";
import { defineJob } from "./define-job";
import { enqueueJob } from "./enqueue";

/** Rows due within this horizon get a delayed drain; later ones are left to the sweep. */
const FOLLOW_UP_HORIZON_MS = 2 * 60_000;

/**
 * Drains one account's outbound queue (lib/outbound). One job per account,
 * not per message: pg-boss hands out about one batch per polling interval,
 * far slower than SMTP.
 *
 * Policy `short`: at most one *queued* job per singletonKey, so a burst of
 * enqueues for an account collapses into one job, and an enqueue during a
 * drain still queues the next one (nothing is lost). `singleton` and
 * `stately` are not used: with a job of a key active, pg-boss 10's fetch of
 * a queued job of the same key violates a unique index, and that error makes
 * the fetch return nothing for the whole queue, stalling every other
 * account's drain until the active one ends. Two drains of one account may
 * therefore run at once; the drain itself lets only one batch per account be
 * in flight (lib/outbound/send-queued-messages).
 */
export const sendOutboundJob = defineJob({
  name: "send-outbound",
  payload: z.object({ emailAccountId: z.uuid() }),
  // A drain stops claiming after 5 minutes; a batch in flight may take a while longer on a slow server.
  queue: { policy: "short", expireInSeconds: 900, retryLimit: 5, retryDelay: 30, retryBackoff: true },
  // Several accounts drain at once per worker, and a queued message waits at most half a second.
  work: { concurrency: 4, pollingIntervalSeconds: 0.5 },
  async handle({ emailAccountId }) {
    const result = await drainOutboundQueue(db(), emailAccountId);
    if (result.sent + result.failed + result.deferred > 0) logger.info({ emailAccountId, ...result }, "outbound drain");
    await scheduleFollowUp(emailAccountId, result);
  },
});

/** Queues the drain for this account now: it sends every due message. */
export function wakeOutboundDrain(emailAccountId: string): Promise<string | null> {
  return enqueueJob(sendOutboundJob, { emailAccountId }, { singletonKey: emailAccountId });
}

/**
 * Rows still due (the drain ran out of time) get a drain now; a retry or the
 * send limit's next free slot within two minutes gets a delayed drain under a
 * key of its own, so it never holds back the immediate one of a new message.
 */
async function scheduleFollowUp(emailAccountId: string, result: DrainResult): Promise<void> {
  if (result.busy || !result.nextAttemptAt) return;
  const wait = result.nextAttemptAt.getTime() - Date.now();
  if (wait <= 1000) {
    await wakeOutboundDrain(emailAccountId);
  } else if (wait <= FOLLOW_UP_HORIZON_MS) {
    await enqueueJob(sendOutboundJob, { emailAccountId }, { singletonKey: `${emailAccountId}:later`, startAfter: result.nextAttemptAt });
  }
}
