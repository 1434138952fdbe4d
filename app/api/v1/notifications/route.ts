import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { listNotifications } from "#lib/notifications/list-notifications";

const query = z.object({ unread: z.enum(["true", "false"]).optional() });

export const GET = route({ auth: "user", query }, async ({ user, query }) => ({
  json: { items: await listNotifications(db(), user.id, { unreadOnly: query.unread === "true" }), nextCursor: null },
}));
