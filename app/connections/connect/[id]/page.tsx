import { notFound } from "next/navigation";
import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { DEFAULT_SUCCESS_PATH } from "#lib/oauth/success-path";
import { isLocalPath } from "#lib/validation";

export const metadata = { title: "Connect? · Connected Apps" };

/**
 * Where a "Connect to …" started from another site lands (the connect route
 * sends it here): the user confirms with a click on this site, so no page
 * elsewhere can take them through a provider that remembers their consent.
 */
export default async function ConfirmConnectPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ successUri?: string }> }) {
  await requirePageUser();
  const { id } = await params;
  const { successUri } = await searchParams;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const app = await getConnectedAppOrThrow(db(), id).catch(() => notFound());
  const back = successUri && isLocalPath(successUri) ? successUri : DEFAULT_SUCCESS_PATH;
  const connect = `/api/v1/connected-apps/${app.id}/connect?${new URLSearchParams({ successUri: back })}`;
  return (
    <section className="card narrow">
      <h1>Connect to {app.providerName}?</h1>
      <p>
        A link from another site asked to connect your {app.providerName} account to this app. Connect only if you meant to:
        you will be sent to {app.providerName} to sign in and consent.
      </p>
      <div className="actions">
        <a className="button" href={connect} data-testid="confirm-connect">
          Connect to {app.providerName}
        </a>
        <a href="/connections">Not now</a>
      </div>
    </section>
  );
}
