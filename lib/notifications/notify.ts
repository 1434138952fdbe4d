import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";

export interface NotificationInput {
  userId: string;
  kind: string;
  title: string;
  body: string;
  link?: string;
}

export interface NotifyResult {
  id: string;
  /**
   * False when an unread notification of the same (user, kind, link) was only
   * refreshed: the user was already told, so follow-ups such as an e-mail
   * (lib/notifications/email-owner.ts) must not repeat.
   */
  created: boolean;
}

/**
 * One unread notification per (user, kind, link): a repeated problem does not
 * pile up. One statement against the unique index of unread notifications,
 * so two processes telling the same user the same thing at once make one.
 */
export async function notify(db: Db, input: NotificationInput): Promise<NotifyResult> {
  const [row] = await db.$queryRaw<{ id: string; created: boolean }[]>`
    INSERT INTO notifications (id, user_id, kind, title, body, link, created_at)
    VALUES (${randomUUID()}::uuid, ${input.userId}::uuid, ${input.kind}, ${input.title}, ${input.body}, ${input.link ?? ""}, now())
    ON CONFLICT (user_id, kind, link) WHERE read_at IS NULL
    DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, created_at = now()
    RETURNING id::text, (xmax = 0) AS created`;
  return { id: row!.id, created: row!.created };
}

export async function notifyAdmins(db: Db, input: Omit<NotificationInput, "userId">): Promise<void> {
  const admins = await db.user.findMany({ where: { role: "admin", enabled: true }, select: { id: true } });
  for (const admin of admins) await notify(db, { ...input, userId: admin.id });
}

/** Marks the unread notifications of a kind as read (the problem was fixed). */
export async function resolveNotifications(db: Db, where: { userId: string; kind: string; link?: string }): Promise<void> {
  await db.notification.updateMany({
    where: { userId: where.userId, kind: where.kind, link: where.link ?? "", readAt: null },
    data: { readAt: new Date() },
  });
}
