import type { Db } from "#lib/db";

export interface PublicNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  read: boolean;
  createdAt: string;
}

export async function listNotifications(db: Db, userId: string, options: { unreadOnly?: boolean } = {}): Promise<PublicNotification[]> {
  const rows = await db.notification.findMany({
    where: { userId, ...(options.unreadOnly ? { readAt: null } : {}) },
    orderBy: { createdAt: "desc" },
    take: 100,
  });
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    link: row.link || null,
    read: row.readAt !== null,
    createdAt: row.createdAt.toISOString(),
  }));
}

export async function markNotificationRead(db: Db, userId: string, id: string): Promise<boolean> {
  const { count } = await db.notification.updateMany({ where: { id, userId }, data: { readAt: new Date() } });
  return count > 0;
}
