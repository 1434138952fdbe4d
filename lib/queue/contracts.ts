import { z } from "zod";
import { defineJobContract } from "./job-contract";

/**
 * Every job the worker runs, by contract. The handlers are in lib/jobs/, one
 * file per job, registered by the worker alone (lib/jobs/registry.ts).
 */

/** Deletes expired authorization requests and spent sign-in counters. One run at a time across all workers; it finishes in well under a minute. */
export const housekeepingJob = defineJobContract({
  name: "housekeeping",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 300, retryLimit: 2 },
  cron: "*/10 * * * *",
});

/** The background token sweep. One at a time across workers; a sweep of 200 slow providers (10 s each) fits in the expiry. */
export const refreshTokensJob = defineJobContract({
  name: "refresh-tokens",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 2_400, retryLimit: 0 },
  cron: "* * * * *",
});

/** Tells admins about client secrets that expire within 30 days. */
export const warnExpiringSecretsJob = defineJobContract({
  name: "warn-expiring-secrets",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 300, retryLimit: 2 },
  cron: "0 8 * * *",
});

/**
 * Drains one account's outbound queue. One job per account, not per message:
 * pg-boss hands out about one batch per polling interval, far slower than SMTP.
 *
 * Policy `short`: at most one *queued* job per singletonKey, so a burst of
 * enqueues for an account collapses into one job, and an enqueue during a
 * drain still queues the next one (nothing is lost). `singleton` and
 * `stately` are not used: with a job of a key active, pg-boss 10's fetch of
 * a queued job of the same key violates a unique index, and that error makes
 * the fetch return nothing for the whole queue, stalling every other
 * account's drain until the active one ends. Two drains of one account may
 * therefore run at once; the drain itself lets only one batch per account be
 * in flight (lib/outbound/claim-outbound-rows.ts).
 */
export const sendOutboundJob = defineJobContract({
  name: "send-outbound",
  payload: z.object({ emailAccountId: z.uuid() }),
  // A drain stops claiming after 5 minutes; a batch in flight may take a while longer on a slow server.
  queue: { policy: "short", expireInSeconds: 900, retryLimit: 5, retryDelay: 30, retryBackoff: true },
  // Several accounts drain at once per worker, and a queued message waits at most half a second.
  work: { concurrency: 4, pollingIntervalSeconds: 0.5 },
});

/**
 * Copies of what an account sent, appended to its Sent folder over IMAP
 * (lib/outbound/append-sent-copies.ts): queued after a drain that sent
 * something, and by the minute's sweep for any copy still missing. One per
 * account at a time (singleton key), so copies go over one IMAP session.
 */
export const appendSentCopiesJob = defineJobContract({
  name: "append-sent-copies",
  payload: z.object({ emailAccountId: z.uuid() }),
  queue: { policy: "short", expireInSeconds: 600, retryLimit: 3, retryDelay: 60, retryBackoff: true },
  work: { concurrency: 2, pollingIntervalSeconds: 2 },
});

/**
 * Every minute: rows a dead worker left in `sending` go back to the queue,
 * then every account with due rows gets a drain (retries after backoff, a
 * job lost between a row's insert and its enqueue, a resumed account).
 */
export const outboundSweepJob = defineJobContract({
  name: "outbound-sweep",
  payload: z.object({}).passthrough(),
  queue: { policy: "singleton", expireInSeconds: 120, retryLimit: 0 },
  cron: "* * * * *",
});

/**
 * The e-mail copy of a new "reconnect your account" notification (ADR 0008).
 * lib/tokens queues it when a connection turns needs_reauth; the handler
 * sends it through lib/outbound, so the token cache never loads mail code.
 */
export const reconnectReminderJob = defineJobContract({
  name: "reconnect-reminder",
  payload: z.object({
    /** The in-app notification just created: the e-mail is its copy, and its id keys the message. */
    notificationId: z.uuid(),
    /** Whose connection broke: the e-mail goes to this user's address. */
    ownerId: z.uuid(),
    /** The token row that broke: its app, and its user (null for the app-only row). */
    connection: z.object({ connectedAppId: z.uuid(), userId: z.uuid().nullable() }),
    subject: z.string().min(1).max(300),
    /** The words of the in-app notification; never a token or secret. */
    body: z.string().min(1).max(5000),
  }),
  queue: { policy: "standard", expireInSeconds: 120, retryLimit: 5, retryDelay: 30, retryBackoff: true },
  work: { concurrency: 1, pollingIntervalSeconds: 2 },
});

export type ReconnectReminder = z.infer<typeof reconnectReminderJob.payload>;
