import Link from "next/link";
import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { listConnectedApps } from "#lib/connected-apps/list-connected-apps";

export default async function ConnectedAppsPage() {
  await requirePageAdmin();
  const apps = await listConnectedApps(db());
  return (
    <section className="card">
      <div className="row">
        <h1 style={{ flex: 1 }}>Connected Apps</h1>
        <Link className="button" href="/admin/connected-apps/new">New Connected App</Link>
      </div>
      {apps.length === 0 ? (
        <p className="muted">No provider yet. Create one from a preset (Google, Microsoft 365) or from any OpenID configuration URL.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Provider</th><th>Client ID</th><th>Status</th><th>Client secret</th></tr>
          </thead>
          <tbody>
            {apps.map((app) => (
              <tr key={app.id} data-testid="connected-app-row">
                <td><Link href={`/admin/connected-apps/${app.id}`}>{app.providerName}</Link></td>
                <td>{app.clientId}</td>
                <td>
                  {app.status === "ok" ? <span className="badge ok">ok</span> : <span className="badge bad" title={app.statusMessage ?? ""}>misconfigured</span>}
                </td>
                <td>
                  {app.clientSecretSet ? "set" : "not set"}
                  {app.clientSecretExpiresSoon && <span className="badge bad"> expires {app.clientSecretExpiresAt?.slice(0, 10)}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
