import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { requirePageAdmin } from "#lib/auth/current-user";
import { missingInWords } from "#lib/connected-apps/app-completeness";
import { toPublicConnectedApp } from "#lib/connected-apps/to-public-connected-app";
import { listConnections } from "#lib/tokens/list-connections";
import { AppStatusBadge } from "#components/app-status-badge";
import { CheckAppButton } from "#components/check-app-button";
import { ConnectedAppForm } from "#components/connected-app-form";
import { ConnectionsTable } from "#components/connections-table";
import { CopyButton } from "#components/copy-button";
import { DeleteConnectedAppButton } from "#components/delete-connected-app-button";
import { SetupGuide } from "#components/setup-guide";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await db().connectedApp.findUnique({ where: { id }, select: { providerName: true } }) : null;
  return { title: `${row?.providerName ?? "Connected App"} · Connected Apps` };
}

/** `?created=1`: right after "Create", a word that it worked and what comes next. */
export default async function ConnectedAppPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ created?: string }> }) {
  await requirePageAdmin();
  const { id } = await params;
  const { created } = await searchParams;
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await db().connectedApp.findUnique({ where: { id } }) : null;
  if (!row) notFound();
  const app = toPublicConnectedApp(row);
  const connections = await listConnections(db(), { connectedAppId: id });
  const curl = `curl -H "Authorization: Bearer $API_KEY" ${env().APP_URL}/api/v1/connected-apps/${app.id}/token`;
  return (
    <>
      {created === "1" && (
        <p className="banner ok" role="status" data-testid="app-created">
          {app.providerName} was created. Register the Redirect URI below at the provider, then fill in what it gives you.
        </p>
      )}
      {app.status === "misconfigured" && (
        <div className="banner bad" role="alert">
          <strong>Misconfigured:</strong> {app.statusMessage} Fix the client id, secret or endpoints below; users&apos; connections are left as they are.
        </div>
      )}
      {app.clientSecretExpiresSoon && (
        <div className="banner warn" role="alert">
          The client secret {new Date(app.clientSecretExpiresAt!) < new Date() ? "expired" : "expires"} on {app.clientSecretExpiresAt!.slice(0, 10)}: create a
          new one at the provider and paste it below.
        </div>
      )}
      <section className="card">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="mb-0">{app.providerName}</h1>
          <AppStatusBadge status={app.status} />
        </div>
        {app.status === "incomplete" && (
          <p className="muted" data-testid="app-missing">
            Offered to nobody until it has {missingInWords(row)}: follow the steps below.
          </p>
        )}
        <label htmlFor="redirectUri">Redirect URI: register it at the provider first</label>
        <div className="row">
          <input id="redirectUri" value={app.redirectUri} readOnly />
          <CopyButton text={app.redirectUri} label="Copy Redirect URI" />
        </div>
        <dl className="facts mt-4">
          <dt>App id</dt>
          <dd>
            <code data-testid="app-id">{app.id}</code>
          </dd>
          <dt>Token API</dt>
          <dd>
            <span className="flex flex-wrap items-center gap-2">
              <code data-testid="token-curl">{curl}</code>
              <CopyButton text={curl} label="Copy the curl line" />
            </span>
            <span className="muted">
              With an API key of the user whose token you want (<a href="/api-keys">API keys</a>).
            </span>
          </dd>
        </dl>
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <section className="card">
          <SetupGuide app={app} />
        </section>
        <section className="card">
          <h2>Settings</h2>
          <ConnectedAppForm app={app} />
          <hr className="my-6 border-line" />
          <CheckAppButton appId={app.id} />
        </section>
      </div>
      <section className="card">
        <h2>Connections</h2>
        <ConnectionsTable connections={connections.items} show={{ user: true }} />
      </section>
      <section className="card">
        <h2>Delete</h2>
        <p className="muted">Deleting the app deletes every user&apos;s connection to it.</p>
        <DeleteConnectedAppButton id={app.id} name={app.providerName} />
      </section>
    </>
  );
}
