import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { listConnections } from "#lib/tokens/list-connections";

const query = z.object({
  userId: z.uuid().optional(),
  connectedAppId: z.uuid().optional(),
  status: z.enum(["active", "needs_reauth", "disconnected"]).optional(),
  cursor: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** The caller's connections; admins see everyone's, or one user's with ?userId=. Never tokens. */
export const GET = route({ auth: "user", query }, async ({ user, query }) => ({
  json: await listConnections(db(), {
    ...query,
    userId: user.role === "admin" ? query.userId : user.id,
  }),
}));
