import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { startAuthorization } from "#lib/oauth/start-authorization";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });
const query = z.object({ successUri: z.string().max(2000).optional() });

/** "Connect to …": sends the signed-in browser to the provider's consent page. */
export const GET = route({ auth: "user", params, query }, async ({ params, query, user }) => {
  const location = await startAuthorization(db(), { connectedAppId: params.id, userId: user.id, successUri: query.successUri });
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
});
