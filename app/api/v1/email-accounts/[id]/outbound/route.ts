import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { outboundInput } from "#lib/outbound/schemas";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

/** Queues a message; the same idempotencyKey answers with the same record. */
export const POST = route({ auth: "user", params, body: outboundInput }, async ({ params, body, user }) => {
  const { record } = await enqueueOutboundMessage(db(), { emailAccountId: params.id, input: body, caller: user });
  return { status: 202, json: { id: record.id, messageId: record.messageId, status: record.status } };
});
