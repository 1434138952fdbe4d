import { sendOutboundJob } from "#lib/queue/contracts";
import { enqueueJob } from "#lib/queue/enqueue-job";

/** Queues the drain for this account now: it sends every due message (the worker's send-outbound job). */
export function wakeOutboundDrain(emailAccountId: string): Promise<string | null> {
  return enqueueJob(sendOutboundJob, { emailAccountId }, { singletonKey: emailAccountId });
}
