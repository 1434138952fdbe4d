import { randomUUID } from "node:crypto";
import * as oidc from "openid-client";
import type { Db } from "#lib/db";
import { env } from "#lib/env";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import type { ConnectedApp } from "#lib/generated/prisma/client";
import { classifyProviderError, type ProviderFailure } from "#lib/oauth/classify-provider-error";
import { providerConfiguration } from "#lib/oauth/provider-configuration";
import { grantWithTenantIssuer } from "#lib/oauth/grant-with-tenant-issuer";
import { assertComplete, type CompleteConnectedApp } from "#lib/connected-apps/app-completeness";
import { markAppMisconfigured } from "#lib/connected-apps/mark-app-misconfigured";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import { publishConnectionStatus } from "./connection-status";
import { obtainedTokens, type ObtainedTokens } from "#lib/oauth/obtained-tokens";
import { appOnlyScopes } from "#lib/connected-apps/app-only-scopes";
import { APP_PRINCIPAL, openAccessToken, openRefreshToken, sealAccessToken, sealRefreshToken } from "./token-columns";

/**
 * getAccessToken (docs/architecture.md, token rules 2–4 and 9): the cached token while it
 * has more than the margin left; otherwise one refresh across all processes.
 * A lease row update picks the one process that calls the provider, with no
 * transaction held across the call; the others wait for the row's version to
 * change. Within a process, concurrent callers share one promise.
 */

export interface AccessToken {
  accessToken: string;
  tokenType: string;
  expiresAt: Date | null;
  scopes: string[];
}

export interface GetAccessTokenOptions {
  /**
   * The token a server just rejected (an IMAP/SMTP login failure): refresh
   * even if it looks valid, unless the stored token is already another one.
   */
  rejectedAccessToken?: string;
  /** Refresh unless the token has more than this left (default: the configured margin). */
  minValidityMs?: number;
}

const LEASE_SECONDS = 30;
const WAIT_POLL_MS = 100;

interface TokenRow {
  id: string;
  connected_app_id: string;
  principal_key: string;
  access_token_sealed: string | null;
  refresh_token_sealed: string | null;
  token_type: string | null;
  scopes: string[] | null;
  expires_at: Date | null;
  status: "active" | "needs_reauth" | "disconnected";
  version: number;
  refreshing_until: Date | null;
  /** False when the connection's user is disabled: nothing is served or refreshed for them. */
  user_enabled: boolean;
}

const inflight = new Map<string, Promise<AccessToken>>();

export async function getAccessToken(
  db: Db,
  connectedAppId: string,
  userId: string | null,
  options: GetAccessTokenOptions = {},
): Promise<AccessToken> {
  const principal = userId ?? APP_PRINCIPAL;
  const row = await readRow(db, connectedAppId, principal);
  const cached = row ? usableToken(row, options) : null;
  if (cached) return cached;

  const key = `${connectedAppId}:${principal}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = refreshOnce(db, connectedAppId, principal, options).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

function marginMs(): number {
  return env().TOKEN_REFRESH_MARGIN_SECONDS * 1000;
}

function assertConnected(row: TokenRow | null, principal: string): asserts row is TokenRow {
  if (row && !row.user_enabled) throw new AppError("forbidden", "The user of this connection is disabled");
  if (!row || row.status === "disconnected") {
    throw new AppError("not_connected", principal === APP_PRINCIPAL ? "The app has no app-only token" : "This account is not connected: connect it first");
  }
  if (row.status === "needs_reauth") {
    throw new AppError("needs_reauth", "The provider no longer accepts this connection: the user must reconnect");
  }
}

function toAccessToken(row: TokenRow): AccessToken {
  return {
    accessToken: openAccessToken(row.id, row.access_token_sealed!),
    tokenType: row.token_type ?? "Bearer",
    expiresAt: row.expires_at,
    scopes: row.scopes ?? [],
  };
}

/** The cached token when it is fresh enough (and not the one a server just rejected). */
function usableToken(row: TokenRow, options: GetAccessTokenOptions): AccessToken | null {
  if (row.status !== "active" || !row.access_token_sealed || !row.user_enabled) return null;
  const fresh = row.expires_at === null || row.expires_at.getTime() - Date.now() > (options.minValidityMs ?? marginMs());
  if (!fresh) return null;
  const token = toAccessToken(row);
  return options.rejectedAccessToken === token.accessToken ? null : token;
}

function stillValid(row: TokenRow): boolean {
  return Boolean(row.access_token_sealed) && (row.expires_at === null || row.expires_at.getTime() > Date.now());
}

async function readRow(db: Db, connectedAppId: string, principal: string): Promise<TokenRow | null> {
  const rows = await db.$queryRaw<TokenRow[]>`
    SELECT t.id::text, t.connected_app_id::text, t.principal_key, t.access_token_sealed, t.refresh_token_sealed, t.token_type,
           t.scopes, t.expires_at, t.status::text AS status, t.version, t.refreshing_until, COALESCE(u.enabled, true) AS user_enabled
      FROM token_cache t LEFT JOIN users u ON u.id = t.user_id
     WHERE t.connected_app_id = ${connectedAppId}::uuid AND t.principal_key = ${principal}`;
  return rows[0] ?? null;
}

/** Takes the refresh lease if nobody holds it; the row as leased, or null. */
async function takeLease(db: Db, id: string): Promise<TokenRow | null> {
  const rows = await db.$queryRaw<TokenRow[]>`
    UPDATE token_cache SET refreshing_until = now() + make_interval(secs => ${LEASE_SECONDS})
     WHERE id = ${id}::uuid AND (refreshing_until IS NULL OR refreshing_until < now())
     RETURNING id::text, connected_app_id::text, principal_key, access_token_sealed, refresh_token_sealed, token_type,
               scopes, expires_at, status::text AS status, version, refreshing_until,
               COALESCE((SELECT enabled FROM users WHERE users.id = token_cache.user_id), true) AS user_enabled`;
  return rows[0] ?? null;
}

async function releaseLease(db: Db, id: string): Promise<void> {
  await db.$executeRaw`UPDATE token_cache SET refreshing_until = NULL WHERE id = ${id}::uuid`;
}

async function refreshOnce(db: Db, connectedAppId: string, principal: string, options: GetAccessTokenOptions): Promise<AccessToken> {
  const deadline = Date.now() + (LEASE_SECONDS + 10) * 1000;
  while (Date.now() < deadline) {
    let row = await readRow(db, connectedAppId, principal);
    if (!row && principal === APP_PRINCIPAL) row = await createAppOnlyRow(db, connectedAppId);
    assertConnected(row, principal);
    const cached = usableToken(row, options);
    if (cached) return cached;

    const leased = await takeLease(db, row.id);
    if (leased) {
      try {
        return await refreshWithLease(db, leased, options);
      } finally {
        await releaseLease(db, leased.id).catch(() => {});
      }
    }
    await waitForOtherRefresh(db, row);
  }
  throw new AppError("provider_unavailable", "Timed out waiting for another process to refresh the token");
}

/** Someone else holds the lease: wait until they write a new version or their lease lapses. */
async function waitForOtherRefresh(db: Db, seen: TokenRow): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    const now = await readRow(db, seen.connected_app_id, seen.principal_key);
    if (!now || now.version !== seen.version || now.status !== seen.status) return;
    if (!now.refreshing_until || now.refreshing_until.getTime() < Date.now()) return;
  }
}

async function createAppOnlyRow(db: Db, connectedAppId: string): Promise<TokenRow | null> {
  await db.$executeRaw`
    INSERT INTO token_cache (id, connected_app_id, user_id, principal_key, scopes, status, version, consecutive_failures, created_at, updated_at)
    VALUES (${randomUUID()}::uuid, ${connectedAppId}::uuid, NULL, ${APP_PRINCIPAL}, '{}', 'active', 0, 0, now(), now())
    ON CONFLICT (connected_app_id, principal_key) DO NOTHING`;
  return readRow(db, connectedAppId, APP_PRINCIPAL);
}

async function refreshWithLease(db: Db, row: TokenRow, options: GetAccessTokenOptions): Promise<AccessToken> {
  // Another process may have refreshed between our read and our lease.
  const cached = usableToken(row, options);
  if (cached) return cached;
  const app = await db.connectedApp.findUniqueOrThrow({ where: { id: row.connected_app_id } });
  assertComplete(app);
  if (row.principal_key !== APP_PRINCIPAL && !row.refresh_token_sealed) {
    return handleFailure(db, app, row, {
      kind: "reauth",
      code: null,
      explanation:
        "The provider gave no refresh token, so the access cannot be renewed. Connect again (Google needs access_type=offline and prompt=consent; Microsoft needs offline_access).",
    });
  }

  let usedRefreshToken = row.refresh_token_sealed;
  for (let attempt = 0; ; attempt++) {
    try {
      const tokens = await callProvider(app, row, usedRefreshToken);
      return await storeRefreshed(db, row, tokens);
    } catch (error) {
      const failure = classifyProviderError(error, { redirectUri: redirectUriFor(app.id) });
      if (!failure) throw error;
      if (failure.kind === "reauth" && attempt === 0) {
        // Another process may have rotated the refresh token under us: retry once with the newest.
        const latest = await readRow(db, row.connected_app_id, row.principal_key);
        if (latest?.refresh_token_sealed && latest.refresh_token_sealed !== usedRefreshToken) {
          usedRefreshToken = latest.refresh_token_sealed;
          row = { ...row, version: latest.version };
          continue;
        }
      }
      return handleFailure(db, app, row, failure);
    }
  }
}

async function callProvider(app: CompleteConnectedApp, row: TokenRow, refreshTokenSealed: string | null): Promise<ObtainedTokens> {
  if (row.principal_key === APP_PRINCIPAL) {
    const scopes = appOnlyScopes(app);
    const response = await oidc.clientCredentialsGrant(providerConfiguration(app), scopes.length > 0 ? { scope: scopes.join(" ") } : {});
    return obtainedTokens(response, scopes);
  }
  const refreshToken = openRefreshToken(row.id, refreshTokenSealed!);
  // A refresh answer may carry a new ID token, checked like the first one.
  const response = await grantWithTenantIssuer(app, (config) => oidc.refreshTokenGrant(config, refreshToken));
  return obtainedTokens(response, row.scopes ?? app.scopes);
}

/** Writes the new tokens if the row did not change meanwhile (compare-and-set on version). */
async function storeRefreshed(db: Db, row: TokenRow, tokens: ObtainedTokens): Promise<AccessToken> {
  const accessSealed = sealAccessToken(row.id, tokens.accessToken);
  // Keep the old refresh token when none comes back; store a rotated one always.
  const refreshSealed = tokens.refreshToken ? sealRefreshToken(row.id, tokens.refreshToken) : null;
  const updated = await db.$executeRaw`
    UPDATE token_cache
       SET access_token_sealed = ${accessSealed},
           refresh_token_sealed = COALESCE(${refreshSealed}, refresh_token_sealed),
           token_type = ${tokens.tokenType}, scopes = ${tokens.scopes}, expires_at = ${tokens.expiresAt},
           version = version + 1, refreshing_until = NULL, last_refreshed_at = now(),
           consecutive_failures = 0, last_error = NULL, status = 'active', updated_at = now()
     WHERE id = ${row.id}::uuid AND version = ${row.version} AND status <> 'disconnected'`;
  if (updated === 0) {
    // A reconnect or disconnect won the race: its state is newer than our refresh.
    const latest = await readRow(db, row.connected_app_id, row.principal_key);
    assertConnected(latest, row.principal_key);
    return toAccessToken(latest);
  }
  return { accessToken: tokens.accessToken, tokenType: tokens.tokenType, expiresAt: tokens.expiresAt, scopes: tokens.scopes };
}

async function handleFailure(db: Db, app: ConnectedApp, row: TokenRow, failure: ProviderFailure): Promise<AccessToken> {
  logger.warn({ connectedAppId: app.id, tokenCacheId: row.id, kind: failure.kind, code: failure.code }, "token refresh failed");
  if (failure.kind === "reauth") {
    // Only the row as we refreshed it: a disconnect or reconnect meanwhile is newer than this failure.
    const marked = await db.$executeRaw`
      UPDATE token_cache SET status = 'needs_reauth', last_error = ${failure.explanation},
             consecutive_failures = consecutive_failures + 1, version = version + 1, updated_at = now()
       WHERE id = ${row.id}::uuid AND status = 'active' AND version = ${row.version}`;
    if (marked === 0) {
      const latest = await readRow(db, row.connected_app_id, row.principal_key);
      assertConnected(latest, row.principal_key);
      const usable = usableToken(latest, {});
      if (usable) return usable;
      throw new AppError("needs_reauth", `The user must reconnect: ${failure.explanation}`);
    }
    await publishConnectionStatus(db, { tokenCacheId: row.id, status: "needs_reauth", previous: row.status, reason: failure.explanation });
    throw new AppError("needs_reauth", `The user must reconnect: ${failure.explanation}`);
  }
  await db.$executeRaw`
    UPDATE token_cache SET last_error = ${failure.explanation}, consecutive_failures = consecutive_failures + 1, updated_at = now()
     WHERE id = ${row.id}::uuid`;
  if (failure.kind === "misconfigured") await markAppMisconfigured(db, app, failure.explanation);
  // Stale while revalidating: a token that has not expired yet still works.
  if (stillValid(row)) return toAccessToken(row);
  if (failure.kind === "misconfigured") {
    throw new AppError("provider_error", `The Connected App "${app.providerName}" is misconfigured: ${failure.explanation}`);
  }
  throw new AppError("provider_unavailable", `${app.providerName} cannot be reached to refresh the token: ${failure.explanation}`);
}
