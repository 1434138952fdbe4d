import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import { parseMessage } from "#lib/mail/parse-message";
import { getRawMessageOrThrow } from "./get-message-or-throw";

/**
 * A message's HTML with its remote (https) images, for the viewer who asked
 * to see them: parsed again from the stored source, because what was stored
 * at sync time has them removed. Null when the message has no HTML or its
 * source was not kept.
 */
export async function messageHtmlWithRemoteImages(db: Db, id: string, viewer: SignedInUser): Promise<string | null> {
  const { raw, skippedReason } = await getRawMessageOrThrow(db, id, viewer);
  if (skippedReason || raw.length === 0) return null;
  return (await parseMessage(Buffer.from(raw), { remoteImages: true })).html;
}
