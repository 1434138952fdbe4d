import PgBoss from "pg-boss";
import type { z } from "zod";
import { env } from "#lib/env";
import { logger } from "#lib/logger";
import { parseOrThrow } from "#lib/validation";
import type { JobContract } from "./job-contract";

/**
 * Sending jobs from any process (the web app included) without running
 * workers there: one pg-boss instance per process, started on first use with
 * no supervision (maintenance) and no cron (the worker does both). Queues are
 * created on first send: pg-boss silently drops a job for a queue that does
 * not exist yet, and createQueue is a no-op for an existing one.
 */

interface Sender {
  boss: PgBoss;
  connectionString: string;
  queues: Map<string, Promise<void>>;
}

const holder = globalThis as unknown as { connectedAppsJobSender?: Promise<Sender> };

async function startSender(connectionString: string): Promise<Sender> {
  const boss = new PgBoss({ connectionString, supervise: false, schedule: false, max: 2 });
  // Without a listener, a dropped connection would be an unhandled 'error' event.
  boss.on("error", (error) => logger.warn({ err: error }, "job sender error"));
  await boss.start();
  return { boss, connectionString, queues: new Map() };
}

async function sender(): Promise<Sender> {
  const connectionString = env().DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: jobs cannot be queued");
  const current = holder.connectedAppsJobSender ? await holder.connectedAppsJobSender.catch(() => undefined) : undefined;
  if (current && current.connectionString === connectionString) return current;
  if (current) await current.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  const starting = startSender(connectionString);
  holder.connectedAppsJobSender = starting;
  starting.catch(() => {
    if (holder.connectedAppsJobSender === starting) holder.connectedAppsJobSender = undefined;
  });
  return starting;
}

function ensureQueue(current: Sender, job: JobContract<z.ZodType>): Promise<void> {
  let created = current.queues.get(job.name);
  if (!created) {
    created = current.boss.createQueue(job.name, { name: job.name, ...job.queue });
    created.catch(() => current.queues.delete(job.name));
    current.queues.set(job.name, created);
  }
  return created;
}

/**
 * Queues one job. Returns its id, or null when the queue's policy refused it
 * (e.g. a `short` queue that already holds a queued job with this singletonKey).
 */
export async function enqueueJob<S extends z.ZodType>(
  job: JobContract<S>,
  payload: z.input<S>,
  options: PgBoss.SendOptions = {},
): Promise<string | null> {
  // A payload the handler would refuse fails here, where the caller can see it.
  const data = parseOrThrow(job.payload, payload) as object;
  const current = await sender();
  await ensureQueue(current, job as unknown as JobContract<z.ZodType>);
  return current.boss.send(job.name, data, options);
}

/** Stops this process's sender (shutdown, tests). */
export async function stopJobSender(): Promise<void> {
  const starting = holder.connectedAppsJobSender;
  holder.connectedAppsJobSender = undefined;
  const current = await starting?.catch(() => undefined);
  await current?.boss.stop({ graceful: false, wait: true });
}
