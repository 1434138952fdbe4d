import Link from "next/link";
import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { listConnectedApps } from "#lib/connected-apps/list-connected-apps";
import { AppStatusBadge } from "#components/app-status-badge";
import { LocalTime } from "#components/local-time";

export const metadata = { title: "Connected Apps · Connected Apps" };

export default async function ConnectedAppsPage({ searchParams }: { searchParams: Promise<{ deleted?: string }> }) {
  await requirePageAdmin();
  const apps = await listConnectedApps(db());
  const { deleted } = await searchParams;
  return (
    <section className="card">
      {deleted === "1" && (
        <p className="banner ok" role="status">
          The app was deleted, with every connection to it.
        </p>
      )}
      <div className="row">
        <h1 className="mb-0 flex-1">Connected Apps</h1>
        <Link className="button" href="/admin/connected-apps/new" prefetch={false}>
          New Connected App
        </Link>
      </div>
      {apps.length === 0 ? (
        <p className="muted">No provider yet. Create one for Microsoft 365, Google or any OpenID Connect provider: its page then guides you through the provider&apos;s side.</p>
      ) : (
        <div className="table-wrap mt-4">
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Client ID</th>
                <th scope="col">Status</th>
                <th scope="col">Client secret</th>
              </tr>
            </thead>
            <tbody>
              {apps.map((app) => (
                <tr key={app.id} data-testid="connected-app-row">
                  <td data-label="Provider">
                    <Link href={`/admin/connected-apps/${app.id}`} prefetch={false}>
                      {app.providerName}
                    </Link>
                  </td>
                  <td data-label="Client ID" className="break-all">
                    {app.clientId ?? "—"}
                  </td>
                  <td data-label="Status">
                    <AppStatusBadge status={app.status} />
                    {app.status === "misconfigured" && app.statusMessage && <div className="text-sm text-bad">{app.statusMessage}</div>}
                  </td>
                  <td data-label="Client secret">
                    {app.clientSecretSet ? "set" : "not set"}
                    {app.clientSecretExpiresSoon && (
                      <div className="text-sm text-bad">
                        expires <LocalTime iso={app.clientSecretExpiresAt} />
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
