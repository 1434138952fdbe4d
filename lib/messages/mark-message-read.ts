import type { Db } from "#lib/db";

/**
 * Opened in this app: read from now on, whatever the server's \Seen flag says
 * later (lib/mail/sync-seen-flags.ts keeps it read). The caller has already
 * checked that the viewer may read the message.
 */
export async function markMessageRead(db: Db, id: string): Promise<void> {
  await db.$executeRaw`UPDATE inbound_messages SET read_at = now(), seen = true WHERE id = ${id}::uuid AND read_at IS NULL`;
}
