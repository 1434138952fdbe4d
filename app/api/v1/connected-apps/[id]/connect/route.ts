import { z } from "zod";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { requestSite, route } from "#lib/http";
import { startAuthorization } from "#lib/oauth/start-authorization";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });
const query = z.object({ successUri: z.string().max(2000).optional() });

/**
 * "Connect to …": sends the signed-in browser to the provider's consent page.
 * Starting a flow is the user's deliberate act on this site: a start that
 * comes from another site (a link or a page elsewhere, which a provider that
 * remembers consent would complete unseen) lands on a page here that asks
 * the user to confirm with a button instead.
 */
export const GET = route({ auth: "user", params, query }, async ({ request, params, query, user }) => {
  if (requestSite(request) === "cross") {
    const confirm = `/connections/connect/${params.id}${query.successUri ? `?${new URLSearchParams({ successUri: query.successUri })}` : ""}`;
    return new Response(null, { status: 303, headers: { location: new URL(confirm, env().APP_URL).toString(), "cache-control": "no-store" } });
  }
  const location = await startAuthorization(db(), { connectedAppId: params.id, userId: user.id, successUri: query.successUri });
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
});
