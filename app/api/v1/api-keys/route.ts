import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { createApiKey } from "#lib/api-keys/create-api-key";
import { listApiKeys } from "#lib/api-keys/list-api-keys";
import { createApiKeyInput } from "#lib/api-keys/schemas";

const query = z.object({ userId: z.uuid({ error: "not a user id" }).optional() });

/** Your keys (admins: everyone's, or `?userId=`); never a key itself. */
export const GET = route({ auth: "user", query }, async ({ query, user }) => ({
  json: { items: await listApiKeys(db(), user, query.userId), nextCursor: null },
}));

/** A new key for yourself, shown once in the answer. */
export const POST = route({ auth: "user", body: createApiKeyInput }, async ({ body, user, ip }) => ({
  status: 201,
  json: await createApiKey(db(), { ...body, userId: user.id }, { id: user.id, ip }),
}));
