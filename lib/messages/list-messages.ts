import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { Prisma } from "#lib/generated/prisma/client";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { publicMessageSelect, toPublicMessage, type PublicMessage } from "#lib/mail/to-public-message";

export interface MessagesPage {
  items: PublicMessage[];
  nextCursor: string | null;
}

/** Cursor: "<uidValidity>:<uid>" of the last item; UIDs grow with arrival, so this is newest first. */
function parseCursor(cursor: string): { uidValidity: bigint; uid: bigint } {
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(cursor);
  if (!match) throw new AppError("validation_failed", "Invalid input: query.cursor: is not one this list gave", [{ path: "query.cursor", message: "is not one this list gave" }]);
  return { uidValidity: BigInt(match[1]!), uid: BigInt(match[2]!) };
}

/**
 * A folder's messages, newest first, paged by UID. `search` finds words in
 * the sender (name or address) or the subject, case-insensitively, in the
 * database; `unread` keeps the unread ones.
 */
export async function listMessages(
  db: Db,
  input: { emailAccountId: string; caller: SignedInUser; folder: string; limit: number; cursor?: string; search?: string; unread?: boolean },
): Promise<MessagesPage> {
  await getEmailAccountOrThrow(db, input.emailAccountId, input.caller);
  const after = input.cursor ? parseCursor(input.cursor) : null;
  const and: Prisma.InboundMessageWhereInput[] = [{ emailAccountId: input.emailAccountId, folder: input.folder }];
  if (after) and.push({ OR: [{ uidValidity: { lt: after.uidValidity } }, { uidValidity: after.uidValidity, uid: { lt: after.uid } }] });
  const words = input.search?.trim().split(/\s+/).filter(Boolean) ?? [];
  // Every word somewhere in the sender or the subject: "invoice acme" finds "Acme <billing@…>: Invoice 42".
  for (const word of words.slice(0, 8)) {
    // Prisma's `contains` is a LIKE that leaves % and _ as wildcards: "100%" would find "Report 100".
    const literal = word.replace(/[\\%_]/g, "\\$&");
    and.push({ OR: [{ fromAddress: { contains: literal, mode: "insensitive" } }, { subject: { contains: literal, mode: "insensitive" } }] });
  }
  if (input.unread) and.push({ seen: false, readAt: null });
  const rows = await db.inboundMessage.findMany({
    where: { AND: and },
    orderBy: [{ uidValidity: "desc" }, { uid: "desc" }],
    take: input.limit + 1,
    select: { ...publicMessageSelect, uidValidity: true },
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(toPublicMessage),
    nextCursor: rows.length > input.limit && last ? `${last.uidValidity}:${last.uid}` : null,
  };
}

/** How many messages of each folder of the account are unread (only the unread ones are read, through their partial index). */
export async function countUnreadByFolder(db: Db, emailAccountId: string): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ folder: string; unread: number }[]>`
    SELECT folder, count(*)::int AS unread FROM inbound_messages
     WHERE email_account_id = ${emailAccountId}::uuid AND NOT seen AND read_at IS NULL GROUP BY folder`;
  return new Map(rows.map((row) => [row.folder, row.unread]));
}
