import { z } from "zod";
import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { afterTimeCursor, encodeTimeCursor, timeCursor } from "#lib/paging";
import { PUBLIC_OUTBOUND_INCLUDE } from "./get-outbound-message";
import { toPublicOutboundMessage, type PublicOutboundMessage } from "./schemas";

export const sentMessagesQuery = z.strictObject({
  status: z.enum(["queued", "sending", "sent", "failed", "cancelled"], { error: "must be queued, sending, sent, failed or cancelled" }).optional(),
  cursor: timeCursor.optional(),
});

export const SENT_PAGE_SIZE = 25;

/** What an account sent through the app (or is sending), newest first, paged by (time, id). */
export async function listSentMessages(
  db: Db,
  emailAccountId: string,
  caller: SignedInUser,
  query: z.infer<typeof sentMessagesQuery>,
  pageSize = SENT_PAGE_SIZE,
): Promise<{ items: PublicOutboundMessage[]; nextCursor: string | null }> {
  await getEmailAccountOrThrow(db, emailAccountId, caller);
  const rows = await db.outboundMessage.findMany({
    where: { AND: [{ emailAccountId }, query.status ? { status: query.status } : {}, query.cursor ? afterTimeCursor(query.cursor, "createdAt") : {}] },
    include: PUBLIC_OUTBOUND_INCLUDE,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize + 1,
  });
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return { items: page.map(toPublicOutboundMessage), nextCursor: rows.length > pageSize && last ? encodeTimeCursor(last.createdAt, last.id) : null };
}
