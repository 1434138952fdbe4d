import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { checkConnectedApp } from "#lib/oauth/check-connected-app";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });

/** "Check this app": discovery, endpoints and (where the provider allows it) the client id and secret. */
export const POST = route({ auth: "admin", params }, async ({ params }) => ({
  json: { checks: await checkConnectedApp(db(), params.id) },
}));
