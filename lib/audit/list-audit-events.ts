import { z } from "zod";
import type { Db } from "#lib/db";
import type { Prisma } from "#lib/generated/prisma/client";
import { afterTimeCursor, encodeTimeCursor, timeCursor } from "#lib/paging";

/**
 * The audit log's filters, as the page's query string carries them. `actor`
 * is a user id, or "none" for what no signed-in person did (failed sign-ins,
 * the system); `record` is the id of the record acted on (or, for a failed
 * sign-in, the address tried).
 */
export const auditLogFilter = z.object({
  actor: z.union([z.uuid(), z.literal("none")]).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  record: z.string().trim().min(1).max(320).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: timeCursor.optional(),
});
export type AuditLogFilter = z.infer<typeof auditLogFilter>;

export interface PublicAuditEvent {
  id: string;
  at: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditLogPage {
  items: PublicAuditEvent[];
  /** Where the next (older) page starts; null on the last page. */
  nextCursor: string | null;
}

export const AUDIT_PAGE_SIZE = 50;

/**
 * One page of the audit log, newest first, filtered in the database, paged
 * by (time, id) (lib/paging.ts).
 */
export async function listAuditEvents(db: Db, filter: AuditLogFilter, pageSize = AUDIT_PAGE_SIZE): Promise<AuditLogPage> {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (filter.actor) and.push({ actorId: filter.actor === "none" ? null : filter.actor });
  if (filter.action) and.push({ action: filter.action });
  if (filter.record) and.push({ targetId: filter.record });
  if (filter.from) and.push({ createdAt: { gte: new Date(filter.from) } });
  if (filter.to) and.push({ createdAt: { lte: new Date(filter.to) } });
  if (filter.cursor) and.push(afterTimeCursor(filter.cursor, "createdAt"));
  const rows = await db.auditEvent.findMany({
    where: { AND: and },
    include: { actor: { select: { email: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize + 1,
  });
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      at: row.createdAt.toISOString(),
      actorId: row.actorId,
      actorEmail: row.actor?.email ?? null,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      details: (row.details ?? {}) as Record<string, unknown>,
      ip: row.ip,
    })),
    nextCursor: rows.length > pageSize && last ? encodeTimeCursor(last.createdAt, last.id) : null,
  };
}

/**
 * The actions recorded so far, for the filter's choices: one index probe per
 * action (a loose index scan), not a pass over years of rows.
 */
export async function listAuditActions(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ action: string }[]>`
    WITH RECURSIVE actions AS (
      SELECT min(action) AS action FROM audit_events
      UNION ALL
      SELECT (SELECT min(action) FROM audit_events WHERE action > actions.action) FROM actions WHERE actions.action IS NOT NULL
    )
    SELECT action FROM actions WHERE action IS NOT NULL`;
  return rows.map((row) => row.action);
}
