import type { Db } from "#lib/db";
import { liveWorker } from "./worker-liveness";

/**
 * A worker is reported gone once its own database connection has closed (it
 * died: seen at once) or its heartbeat (every 10 s) is older than this (stuck).
 */
export const MAIL_WORKER_GONE_SECONDS = 60;
/** A silent worker is forgotten after a day: long enough for an admin to see it went. */
const FORGET_AFTER_HOURS = 24;

export interface PublicMailWorker {
  id: string;
  hostname: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  alive: boolean;
  /** Mailboxes it holds a live claim on (ADR 0006). */
  accounts: number;
}

/** Every worker that has sent a heartbeat in the last day, newest first. */
export async function listMailWorkers(db: Db): Promise<PublicMailWorker[]> {
  const rows = await db.$queryRaw<{ id: string; hostname: string; pid: number; started_at: Date; heartbeat_at: Date; alive: boolean; accounts: bigint }[]>`
    SELECT w.id::text, w.hostname, w.pid, w.started_at, w.heartbeat_at, ${liveWorker("w", MAIL_WORKER_GONE_SECONDS)} AS alive,
           count(l.email_account_id) AS accounts
      FROM mail_workers w LEFT JOIN mail_account_leases l ON l.worker_id = w.id
     GROUP BY w.id
     ORDER BY w.heartbeat_at DESC, w.hostname`;
  return rows.map((row) => ({
    id: row.id,
    hostname: row.hostname,
    pid: row.pid,
    startedAt: row.started_at.toISOString(),
    heartbeatAt: row.heartbeat_at.toISOString(),
    alive: row.alive,
    accounts: Number(row.accounts),
  }));
}

/**
 * A worker that stops cleanly removes its own row; one that crashed leaves it
 * behind, silent. Housekeeping forgets those after a day.
 */
export async function forgetSilentMailWorkers(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.mailWorker.deleteMany({ where: { heartbeatAt: { lt: new Date(now.getTime() - FORGET_AFTER_HOURS * 3_600_000) } } });
  return count;
}
