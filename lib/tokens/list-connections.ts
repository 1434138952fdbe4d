import type { Db } from "#lib/db";
import type { Prisma } from "#lib/generated/prisma/client";

export interface PublicConnection {
  id: string;
  connectedAppId: string;
  providerName: string;
  /** Null for an app-only (client-credentials) token. */
  userId: string | null;
  userEmail: string | null;
  status: "active" | "needs_reauth" | "disconnected";
  providerEmail: string | null;
  providerSubject: string | null;
  scopes: string[];
  expiresAt: string | null;
  lastRefreshedAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** False when the provider gave no refresh token: the connection ends when its access token expires. */
  renewable: boolean;
  updatedAt: string;
}

export interface ConnectionsPage {
  items: PublicConnection[];
  nextCursor: string | null;
}

/** Connections, never tokens. `userId` narrows to one user; `connectedAppId` to one app; `status` to one status. */
export async function listConnections(
  db: Db,
  filter: { userId?: string; connectedAppId?: string; status?: PublicConnection["status"]; cursor?: string; limit?: number },
): Promise<ConnectionsPage> {
  const limit = Math.min(filter.limit ?? 100, 500);
  const where: Prisma.TokenCacheWhereInput = {
    ...(filter.userId ? { userId: filter.userId } : {}),
    ...(filter.connectedAppId ? { connectedAppId: filter.connectedAppId } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
  const rows = await db.tokenCache.findMany({
    where,
    include: { connectedApp: { select: { providerName: true } }, user: { select: { email: true } } },
    orderBy: { id: "asc" },
    take: limit + 1,
    ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      connectedAppId: row.connectedAppId,
      providerName: row.connectedApp.providerName,
      userId: row.userId,
      userEmail: row.user?.email ?? null,
      status: row.status,
      providerEmail: row.providerEmail,
      providerSubject: row.providerSubject,
      scopes: row.scopes,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      lastRefreshedAt: row.lastRefreshedAt?.toISOString() ?? null,
      lastError: row.lastError,
      consecutiveFailures: row.consecutiveFailures,
      renewable: row.userId === null || row.refreshTokenSealed !== null,
      updatedAt: row.updatedAt.toISOString(),
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}
