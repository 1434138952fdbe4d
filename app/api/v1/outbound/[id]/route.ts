import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { getOutboundMessageOrThrow } from "#lib/outbound/get-outbound-message";

const params = z.object({ id: z.uuid({ error: "not an outbound message id" }) });

export const GET = route({ auth: "user", params }, async ({ params, user }) => ({
  json: await getOutboundMessageOrThrow(db(), params.id, user),
}));
