import { db } from "#lib/db";
import { COMPLETE_APPS } from "#lib/connected-apps/app-completeness";
import { requirePageUser } from "#lib/auth/current-user";
import { listConnections } from "#lib/tokens/list-connections";
import { describeCallbackError } from "#lib/oauth/describe-callback-error";
import { getAuthorizationFailure } from "#lib/oauth/exchange-authorization-code";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import { ConnectionStatusBadge } from "#components/connection-status-badge";
import { DisconnectButton } from "#components/disconnect-button";
import { LocalTime } from "#components/local-time";
import { disconnectMessage } from "#lib/tokens/disconnect-connection";

type Search = { failed?: string; error?: string; app?: string; disconnected?: string; revoked?: string };

export const metadata = { title: "My connections · Connected Apps" };

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const user = await requirePageUser();
  const search = await searchParams;
  // Apps still being set up are offered to nobody.
  const apps = await db().connectedApp.findMany({ where: COMPLETE_APPS, orderBy: { providerName: "asc" }, select: { id: true, providerName: true, status: true, preset: true, revocationUri: true } });
  const { items } = await listConnections(db(), { userId: user.id });
  const byApp = new Map(items.map((connection) => [connection.connectedAppId, connection]));
  // A failure is explained from its record (the user's own request), or, for an answer that matched
  // none of theirs, from its code alone: nothing in the URL is shown as text.
  const recorded = search.failed && /^[0-9a-f-]{36}$/i.test(search.failed) ? await getAuthorizationFailure(db(), search.failed, user.id) : null;
  const failure = recorded ?? (search.error ? { connectedAppId: search.app, code: search.error, providerError: null, aadsts: null } : null);
  const failedApp = apps.find((app) => app.id === failure?.connectedAppId);
  const disconnectedApp = apps.find((app) => app.id === search.disconnected);
  return (
    <>
      {disconnectedApp && (
        <div className="banner ok" role="status" data-testid="disconnect-notice">
          {disconnectMessage(disconnectedApp, search.revoked === "1")}
        </div>
      )}
      {failure && (
        <div className="banner bad" role="alert" data-testid="connection-error">
          <strong>{failedApp ? `Connecting to ${failedApp.providerName} failed. ` : "Connecting failed. "}</strong>
          {describeCallbackError(failure, { redirectUri: failedApp ? redirectUriFor(failedApp.id) : undefined })}
          {failedApp && (
            <>
              {" "}
              <a href={`/api/v1/connected-apps/${failedApp.id}/connect?successUri=/connections`}>Try again</a>
            </>
          )}
        </div>
      )}
      <section className="card">
        <h1>My connections</h1>
        {apps.length === 0 && <p className="muted">No provider is set up yet: an admin adds them under Connected Apps.</p>}
        {apps.map((app) => {
          const connection = byApp.get(app.id);
          const connected = connection && connection.status !== "disconnected";
          return (
            <div key={app.id} id={app.id} className="card" data-testid="app-connection">
              <div className="row">
                <h2 style={{ flex: 1, margin: 0 }}>{app.providerName}</h2>
                {connection && <ConnectionStatusBadge status={connection.status} />}
              </div>
              {connected && !connection.renewable && (
                <p className="error" data-testid="not-renewable">
                  {app.providerName} gave no refresh token: this connection ends{" "}
                  {connection.expiresAt ? (
                    <>
                      at <LocalTime iso={connection.expiresAt} />
                    </>
                  ) : (
                    "when its token expires"
                  )}
                  . Ask your admin to allow
                  offline access, then reconnect.
                </p>
              )}
              {connection?.status === "needs_reauth" && (
                <p className="error">{app.providerName} no longer accepts this connection{connection.lastError ? `: ${connection.lastError}` : ""}. Reconnect to resume.</p>
              )}
              {connection && connected && (
                <dl>
                  <dt>Account</dt>
                  <dd data-testid="provider-account">{connection.providerEmail ?? connection.providerSubject ?? "unknown"}</dd>
                  <dt>Scopes granted</dt>
                  <dd>{connection.scopes.join(" ")}</dd>
                  <dt>Access token expires</dt>
                  <dd>
                    <LocalTime iso={connection.expiresAt} fallback="no expiry given" />
                  </dd>
                </dl>
              )}
              {app.status === "misconfigured" && <p className="error">This provider is misconfigured; an admin has been told.</p>}
              <div className="actions">
                <a className="button" href={`/api/v1/connected-apps/${app.id}/connect?successUri=/connections`}>
                  {connected ? "Reconnect" : `Connect to ${app.providerName}`}
                </a>
                {connected && <DisconnectButton connectedAppId={app.id} providerName={app.providerName} />}
              </div>
            </div>
          );
        })}
      </section>
    </>
  );
}
