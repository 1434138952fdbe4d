import type { z } from "zod";
import type { JobHandler } from "./job-handler";
import { appendSentCopiesHandler } from "./append-sent-copies";
import { housekeeping } from "./housekeeping";
import { outboundSweep } from "./outbound-sweep";
import { reconnectReminder } from "./reconnect-reminder";
import { refreshTokens } from "./refresh-tokens";
import { sendOutbound } from "./send-outbound";
import { warnExpiringSecrets } from "./warn-expiring-secrets";

/** Every job the worker runs; the runner parses each payload with the job's own schema before its handler sees it. */
export const jobHandlers: JobHandler<z.ZodType>[] = [housekeeping, refreshTokens, warnExpiringSecrets, sendOutbound, outboundSweep, reconnectReminder, appendSentCopiesHandler];
