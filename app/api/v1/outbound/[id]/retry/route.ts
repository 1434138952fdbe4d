import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { retryOutboundMessage } from "#lib/outbound/retry-or-cancel-outbound-message";

const params = z.object({ id: z.uuid({ error: "not an outbound message id" }) });

/** Retry now: a queued or failed message is tried at once (409 for one sending, sent or cancelled). */
export const POST = route({ auth: "user", params }, async ({ params, user }) => ({ json: await retryOutboundMessage(db(), params.id, user) }));
