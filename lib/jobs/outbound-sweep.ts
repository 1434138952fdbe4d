import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { accountsWithPendingSentCopies } from "#lib/outbound/append-sent-copies";
import { accountsWithDueMessages, recoverStuckOutbound } from "#lib/outbound/recover-outbound";
import { wakeOutboundDrain } from "#lib/outbound/wake-outbound-drain";
import { appendSentCopiesJob, outboundSweepJob } from "#lib/queue/contracts";
import { enqueueJob } from "#lib/queue/enqueue-job";
import { handleJob } from "./job-handler";

export const outboundSweep = handleJob(outboundSweepJob, async () => {
  const { recovered } = await recoverStuckOutbound(db());
  const accounts = await accountsWithDueMessages(db());
  for (const emailAccountId of accounts) await wakeOutboundDrain(emailAccountId);
  const copies = await accountsWithPendingSentCopies(db());
  for (const emailAccountId of copies) await enqueueJob(appendSentCopiesJob, { emailAccountId }, { singletonKey: emailAccountId });
  if (recovered + accounts.length + copies.length > 0) logger.info({ recovered, accounts: accounts.length, copies: copies.length }, "outbound sweep");
});
