import { db } from "#lib/db";
import { env } from "#lib/env";
import { logger } from "#lib/logger";
import { optionalPageUser } from "#lib/auth/current-user";
import { CallbackError } from "#lib/oauth/callback-error";
import { completeConnection } from "#lib/tokens/complete-connection";
import { clientIp } from "#lib/http";

export const dynamic = "force-dynamic";

function redirect(path: string): Response {
  return new Response(null, { status: 302, headers: { location: new URL(path, env().APP_URL).toString(), "cache-control": "no-store" } });
}

/**
 * The Redirect URI. Every outcome is a redirect within this site: the
 * success path, the identity-switch confirmation, or the connections page
 * with an error code it explains. Nothing is stored on failure.
 */
export async function GET(request: Request, context: { params: Promise<{ appId: string }> }): Promise<Response> {
  const { appId } = await context.params;
  // The page explains a failure from what was recorded for the user's request, or from the bare code
  // when the answer matched none of theirs: never from text a link could carry.
  const failurePath = (error: CallbackError) =>
    `/connections?${new URLSearchParams(error.authRequestId ? { failed: error.authRequestId } : { error: error.code, app: appId })}`;
  try {
    if (!/^[0-9a-f-]{36}$/i.test(appId)) throw new CallbackError("unknown_state", "Unknown connected app");
    const user = await optionalPageUser();
    const next = await completeConnection(db(), { connectedAppId: appId, userId: user?.id ?? null, callbackParams: new URL(request.url).searchParams, ip: clientIp(request) });
    return redirect(next);
  } catch (error) {
    if (error instanceof CallbackError) return redirect(failurePath(error));
    logger.error({ err: error, connectedAppId: appId }, "OAuth callback failed");
    return redirect(`/connections?${new URLSearchParams({ error: "internal", app: appId })}`);
  }
}
