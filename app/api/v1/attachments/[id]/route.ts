import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { downloadHeaders } from "#lib/messages/download-headers";
import { getAttachmentOrThrow } from "#lib/messages/get-message-or-throw";

const params = z.object({ id: z.uuid({ error: "not an attachment id" }) });

export const GET = route({ auth: "user", params }, async ({ params, user }) => {
  const attachment = await getAttachmentOrThrow(db(), params.id, user);
  return new Response(Buffer.from(attachment.content), {
    headers: downloadHeaders(attachment.contentType, attachment.filename ?? "attachment"),
  });
});
