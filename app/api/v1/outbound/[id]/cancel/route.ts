import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { cancelOutboundMessage } from "#lib/outbound/retry-or-cancel-outbound-message";

const params = z.object({ id: z.uuid({ error: "not an outbound message id" }) });

/** Cancel: a queued or failed message is never sent (409 for one sending, sent or cancelled). */
export const POST = route({ auth: "user", params }, async ({ params, user }) => ({ json: await cancelOutboundMessage(db(), params.id, user) }));
