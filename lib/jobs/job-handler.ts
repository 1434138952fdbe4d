import type { z } from "zod";
import type { JobContract } from "#lib/queue/job-contract";

/** What the worker does with a job of a contract (lib/queue/contracts.ts). */
export interface JobHandler<S extends z.ZodType> {
  contract: JobContract<S>;
  handle(payload: z.infer<S>): Promise<void>;
}

export function handleJob<S extends z.ZodType>(contract: JobContract<S>, handle: (payload: z.infer<S>) => Promise<void>): JobHandler<S> {
  return { contract, handle };
}
