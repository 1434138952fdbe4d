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

/** One unread notification per (user, kind, link): a repeated problem does not pile up. */
export async function notify(db: Db, input: NotificationInput): Promise<NotifyResult> {
  const unread = await db.notification.findFirst({
    where: { userId: input.userId, kind: input.kind, link: input.link ?? null, readAt: null },
  });
  if (unread) {
    await db.notification.update({ where: { id: unread.id }, data: { title: input.title, body: input.body, createdAt: new Date() } });
    return { id: unread.id, created: false };
  }
  const created = await db.notification.create({ data: { ...input, link: input.link ?? null } });
  return { id: created.id, created: true };
}

export async function notifyAdmins(db: Db, input: Omit<NotificationInput, "userId">): Promise<void> {
  const admins = await db.user.findMany({ where: { role: "admin", enabled: true }, select: { id: true } });
  for (const admin of admins) await notify(db, { ...input, userId: admin.id });
}

/** Marks the unread notifications of a kind as read (the problem was fixed). */
export async function resolveNotifications(db: Db, where: { userId: string; kind: string; link?: string }): Promise<void> {
  await db.notification.updateMany({
    where: { userId: where.userId, kind: where.kind, link: where.link ?? null, readAt: null },
    data: { readAt: new Date() },
  });
}
