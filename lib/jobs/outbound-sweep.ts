import { db } from "#lib/db";
import { logger } from "#lib/logger";
import { accountsWithDueMessages, recoverStuckOutbound } from "#lib/outbound/recover-outbound";
import { wakeOutboundDrain } from "#lib/outbound/wake-outbound-drain";
import { outboundSweepJob } from "#lib/queue/contracts";
import { handleJob } from "./job-handler";

export const outboundSweep = handleJob(outboundSweepJob, async () => {
  const { recovered } = await recoverStuckOutbound(db());
  const accounts = await accountsWithDueMessages(db());
  for (const emailAccountId of accounts) await wakeOutboundDrain(emailAccountId);
  if (recovered + accounts.length > 0) logger.info({ recovered, accounts: accounts.length }, "outbound sweep");
});
