import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { UNKNOWN_FIELDS } from "#lib/validation";
import { resolveIdentitySwitch } from "#lib/tokens/confirm-identity-switch";

const params = z.object({ requestId: z.uuid() });
const body = z.strictObject({ accept: z.boolean() }, UNKNOWN_FIELDS);

/** Accept or decline a reconnection made with another provider account than before. */
export const POST = route({ auth: "user", params, body }, async ({ params, body, user, ip }) => {
  await resolveIdentitySwitch(db(), { authRequestId: params.requestId, userId: user.id, accept: body.accept, ip });
  return { json: { accepted: body.accept } };
});
