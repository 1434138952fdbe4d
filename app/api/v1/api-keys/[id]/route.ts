import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { revokeApiKey } from "#lib/api-keys/revoke-api-key";

const params = z.object({ id: z.uuid({ error: "not an API key id" }) });

/** Revokes a key (yours; admins: anyone's): its next request is refused. */
export const DELETE = route({ auth: "user", params }, async ({ params, user, ip }) => ({
  json: await revokeApiKey(db(), { id: params.id }, { id: user.id, role: user.role, ip }),
}));
