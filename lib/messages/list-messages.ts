import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
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
  if (!match) throw new AppError("validation_failed", "cursor is not one this API returned", [{ path: "query.cursor", message: "invalid" }]);
  return { uidValidity: BigInt(match[1]!), uid: BigInt(match[2]!) };
}

export async function listMessages(
  db: Db,
  input: { emailAccountId: string; caller: SignedInUser; folder: string; limit: number; cursor?: string },
): Promise<MessagesPage> {
  await getEmailAccountOrThrow(db, input.emailAccountId, input.caller);
  const after = input.cursor ? parseCursor(input.cursor) : null;
  const rows = await db.inboundMessage.findMany({
    where: {
      emailAccountId: input.emailAccountId,
      folder: input.folder,
      ...(after && {
        OR: [{ uidValidity: { lt: after.uidValidity } }, { uidValidity: after.uidValidity, uid: { lt: after.uid } }],
      }),
    },
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
