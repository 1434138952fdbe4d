import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { downloadHeaders } from "#lib/messages/download-headers";
import { getRawMessageOrThrow } from "#lib/messages/get-message-or-throw";

const params = z.object({ id: z.uuid({ error: "not a message id" }) });

/** The message's original RFC 5322 source, byte for byte. */
export const GET = route({ auth: "user", params }, async ({ params, user }) => {
  const { raw } = await getRawMessageOrThrow(db(), params.id, user);
  return new Response(Buffer.from(raw), { headers: downloadHeaders("message/rfc822", `${params.id}.eml`) });
});
