import { Prisma } from "#lib/generated/prisma/client";

/**
 * A mail worker is live while both hold (ADR 0015):
 * - its own PostgreSQL connection is open: pg_stat_activity still shows the
 *   backend (pid and start time) the worker registered. PostgreSQL ends that
 *   backend the moment the process dies (kill -9, a crash, the machine gone:
 *   TCP keepalives), so its peers see the death within one balance round;
 * - its heartbeat is fresh: a process that is paused (SIGSTOP, a long GC, a
 *   partition that keeps the socket) holds its connection open but stops
 *   heartbeating, and its claims lapse as they always did.
 * `worker` is the SQL name of a mail_workers row (a table alias).
 */
export function liveWorker(worker: string, lapseSeconds: number): Prisma.Sql {
  const w = Prisma.raw(worker);
  return Prisma.sql`(${w}.heartbeat_at > now() - make_interval(secs => ${lapseSeconds})
    AND EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = ${w}.backend_pid AND s.backend_start = ${w}.backend_started_at))`;
}

/**
 * SQL run on the worker's liveness connection itself: records that very
 * connection as the worker's (its backend pid and start time).
 */
export const THIS_CONNECTION = {
  pid: "pg_backend_pid()",
  startedAt: "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())",
} as const;
