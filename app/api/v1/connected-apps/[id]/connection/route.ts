import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { actingFor } from "#lib/auth/acting-for";
import { disconnectConnection } from "#lib/tokens/disconnect-connection";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });
const query = z.object({ userId: z.uuid().optional() });

/** Disconnect: revoke where possible, erase the tokens, keep the row as `disconnected`. */
export const DELETE = route({ auth: "user", params, query }, async ({ params, query, user, ip }) => ({
  json: await disconnectConnection(db(), {
    connectedAppId: params.id,
    userId: actingFor(user, query.userId),
    actorId: user.id,
    ip,
  }),
}));
