import type { z } from "zod";
import type { JobDefinition } from "./define-job";
import { housekeepingJob } from "./housekeeping";
import { outboundSweepJob } from "./outbound-sweep";
import { refreshTokensJob } from "./refresh-tokens";
import { sendOutboundJob } from "./send-outbound";
import { warnExpiringSecretsJob } from "./warn-expiring-secrets";

/** Every job the worker runs; the runner parses each payload with the job's own schema before its handler sees it. */
export const jobs: JobDefinition<z.ZodType>[] = [housekeepingJob, refreshTokensJob, warnExpiringSecretsJob, sendOutboundJob, outboundSweepJob];
