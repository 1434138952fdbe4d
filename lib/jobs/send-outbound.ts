import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { drainOutboundQueue, type DrainResult } from "#lib/outbound/drain-outbound-queue";
import { wakeOutboundDrain } from "#lib/outbound/wake-outbound-drain";
import { appendSentCopiesJob, sendOutboundJob } from "#lib/queue/contracts";
import { enqueueJob } from "#lib/queue/enqueue-job";
import { handleJob } from "./job-handler";

/** Rows due within this horizon get a delayed drain; later ones are left to the sweep. */
const FOLLOW_UP_HORIZON_MS = 2 * 60_000;

export const sendOutbound = handleJob(sendOutboundJob, async ({ emailAccountId }) => {
  const result = await drainOutboundQueue(db(), emailAccountId);
  if (result.sent + result.failed + result.deferred > 0) logger.info({ emailAccountId, ...result }, "outbound drain");
  // Their copies in the Sent folder, over IMAP, apart from the sending (the job does nothing where copies are off).
  if (result.sent > 0) await enqueueJob(appendSentCopiesJob, { emailAccountId }, { singletonKey: emailAccountId });
  await scheduleFollowUp(emailAccountId, result);
});

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
