import type { Db } from "#lib/db";

/** Messages synced and sent in one hour. */
export interface HourOfMail {
  /** The hour's start (ISO). */
  hour: string;
  synced: number;
  sent: number;
}

const HOURS = 24;

/**
 * Mail over the last 24 hours, hour by hour (oldest first, the current hour
 * last), for the dashboard's chart: everyone's for an admin, a user's own
 * accounts otherwise. Hours without mail are there, with zeros.
 */
export async function mailActivity(db: Db, viewer: { id: string; role: string }, now = new Date()): Promise<HourOfMail[]> {
  const first = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - (HOURS - 1) * 3_600_000);
  const ownerId = viewer.role === "admin" ? null : viewer.id;
  // Counted per hour in the database (indexes on created_at and sent_at): no row leaves it.
  const [synced, sent] = await Promise.all([
    db.$queryRaw<{ hour: Date; count: bigint }[]>`
      SELECT date_trunc('hour', m.created_at) AS hour, count(*) AS count
        FROM inbound_messages m
       WHERE m.created_at >= ${first}
         AND (${ownerId}::uuid IS NULL OR m.email_account_id IN (SELECT id FROM email_accounts WHERE owner_id = ${ownerId}::uuid))
       GROUP BY 1`,
    db.$queryRaw<{ hour: Date; count: bigint }[]>`
      SELECT date_trunc('hour', m.sent_at) AS hour, count(*) AS count
        FROM outbound_messages m
       WHERE m.sent_at >= ${first}
         AND (${ownerId}::uuid IS NULL OR m.email_account_id IN (SELECT id FROM email_accounts WHERE owner_id = ${ownerId}::uuid))
       GROUP BY 1`,
  ]);
  const byHour = (rows: { hour: Date; count: bigint }[]) => new Map(rows.map((row) => [row.hour.getTime(), Number(row.count)]));
  const syncedByHour = byHour(synced);
  const sentByHour = byHour(sent);
  return Array.from({ length: HOURS }, (_, index) => {
    const hour = first.getTime() + index * 3_600_000;
    return { hour: new Date(hour).toISOString(), synced: syncedByHour.get(hour) ?? 0, sent: sentByHour.get(hour) ?? 0 };
  });
}
