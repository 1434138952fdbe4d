import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { toPublicConnectedApp } from "#lib/connected-apps/to-public-connected-app";
import { listConnections } from "#lib/tokens/list-connections";
import { ConnectedAppForm } from "#components/connected-app-form";
import { DeleteConnectedAppButton } from "#components/delete-connected-app-button";
import { ConnectionStatusBadge } from "#components/connection-status-badge";

export default async function ConnectedAppPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageAdmin();
  const { id } = await params;
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await db().connectedApp.findUnique({ where: { id } }) : null;
  if (!row) notFound();
  const app = toPublicConnectedApp(row);
  const connections = await listConnections(db(), { connectedAppId: id });
  return (
    <>
      {app.status === "misconfigured" && (
        <div className="banner bad" role="alert">
          <strong>Misconfigured:</strong> {app.statusMessage} Fix the client id, secret or endpoints below; users' connections are left as they are.
        </div>
      )}
      {app.clientSecretExpiresSoon && (
        <div className="banner warn" role="alert">
          The client secret {new Date(app.clientSecretExpiresAt!) < new Date() ? "expired" : "expires"} on {app.clientSecretExpiresAt!.slice(0, 10)}: create a new one at the provider and paste it below.
        </div>
      )}
      <section className="card">
        <h1>{app.providerName}</h1>
        {app.adminConsentUrl && (
          <p>
            Tenant-wide consent: <a href={app.adminConsentUrl} target="_blank" rel="noreferrer">grant the app's permissions for everyone in the tenant</a> (a tenant admin must sign in).
          </p>
        )}
        <ConnectedAppForm app={app} />
      </section>
      <section className="card">
        <h2>Connections</h2>
        {connections.items.length === 0 ? (
          <p className="muted">Nobody is connected yet.</p>
        ) : (
          <table>
            <thead>
              <tr><th>User</th><th>Provider account</th><th>Status</th><th>Expires</th><th>Last refresh</th><th>Last error</th></tr>
            </thead>
            <tbody>
              {connections.items.map((connection) => (
                <tr key={connection.id} data-testid="connection-row">
                  <td>{connection.userEmail ?? "app-only token"}</td>
                  <td>{connection.providerEmail ?? connection.providerSubject ?? "—"}</td>
                  <td><ConnectionStatusBadge status={connection.status} /></td>
                  <td>{connection.expiresAt ? new Date(connection.expiresAt).toLocaleString("en-GB") : "—"}</td>
                  <td>{connection.lastRefreshedAt ? new Date(connection.lastRefreshedAt).toLocaleString("en-GB") : "—"}</td>
                  <td>{connection.lastError ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Delete</h2>
        <p className="muted">Deleting the app deletes every user's connection to it.</p>
        <DeleteConnectedAppButton id={app.id} name={app.providerName} />
      </section>
    </>
  );
}
