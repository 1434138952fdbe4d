import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { getMessageOrThrow } from "#lib/messages/get-message-or-throw";

const params = z.object({ id: z.uuid({ error: "not a message id" }) });

export const GET = route({ auth: "user", params }, async ({ params, user }) => {
  const { emailAccountId: _account, references: _references, ...message } = await getMessageOrThrow(db(), params.id, user);
  return { json: message };
});
