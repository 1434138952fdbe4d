import { z } from "zod";
import { db } from "#lib/db";
import { AppError } from "#lib/errors";
import { route } from "#lib/http";
import { actingFor } from "#lib/auth/acting-for";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { getAccessToken } from "#lib/tokens/get-access-token";

const params = z.object({ id: z.uuid({ error: "not a connected app id" }) });
const query = z.object({
  userId: z.uuid().optional(),
  appOnly: z.enum(["true", "false"]).optional(),
});

/** A fresh access token for the caller's connection (admins: any user's, or the app-only token). */
export const GET = route({ auth: "user", params, query }, async ({ params, query, user }) => {
  const appOnly = query.appOnly === "true";
  if (appOnly && user.role !== "admin") throw new AppError("forbidden", "Only admins can fetch the app-only token");
  const subject = appOnly ? null : actingFor(user, query.userId);
  const token = await getAccessToken(db(), params.id, subject).catch(async (error: unknown) => {
    // The usual answer reads the token's row alone; only when no token can be given is the app itself looked up,
    // so an unknown app is a 404, not "not connected".
    await getConnectedAppOrThrow(db(), params.id);
    throw error;
  });
  return {
    json: {
      accessToken: token.accessToken,
      tokenType: token.tokenType,
      expiresAt: token.expiresAt?.toISOString() ?? null,
      scopes: token.scopes,
    },
    // no-transform: the server does not compress it, so a token never shares a compressed body with anything a
    // caller chose (BREACH), and a 1 KB answer is not worth the CPU.
    headers: { "cache-control": "no-store, no-transform" },
  };
});
