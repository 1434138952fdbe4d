import { z } from "zod";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { route } from "#lib/http";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { listSentMessages, sentMessagesQuery } from "#lib/outbound/list-sent-messages";
import { outboundInput } from "#lib/outbound/schemas";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

/**
 * Bodies may carry files in base64, which is about as large as they are on
 * the wire: a body above the message limit (plus room for the JSON around
 * them) is refused before it is read whole; the message's own estimate
 * (enqueue-outbound-message.ts) then decides.
 */
const maxBodyBytes = () => env().MAIL_MAX_MESSAGE_BYTES + 1_048_576;

/** Queues a message; the same idempotencyKey answers with the same record. */
export const POST = route({ auth: "user", params, body: outboundInput, maxBodyBytes }, async ({ params, body, user }) => {
  const { record } = await enqueueOutboundMessage(db(), { emailAccountId: params.id, input: body, caller: user });
  return { status: 202, json: { id: record.id, messageId: record.messageId, status: record.status } };
});

/** What the account sent through the app, newest first (the Sent view). */
export const GET = route({ auth: "user", params, query: sentMessagesQuery }, async ({ params, query, user }) => ({
  json: await listSentMessages(db(), params.id, user, query),
}));
