import type { PublicConnection } from "#lib/tokens/list-connections";
import { ConnectionStatusBadge } from "./connection-status-badge";
import { DisconnectButton } from "./disconnect-button";
import { LocalTime } from "./local-time";

/** Connections as a table (never a token); on a phone each becomes a block of labelled lines. */
export function ConnectionsTable({ connections, show }: { connections: PublicConnection[]; show: { user?: boolean; app?: boolean; disconnect?: boolean } }) {
  if (connections.length === 0) return <p className="muted">No connection yet.</p>;
  return (
    <div className="table-wrap">
      <table className="stack">
        <thead>
          <tr>
            {show.user && <th scope="col">User</th>}
            {show.app && <th scope="col">App</th>}
            <th scope="col">Provider account</th>
            <th scope="col">Status</th>
            <th scope="col">Scopes</th>
            <th scope="col">Access token expires</th>
            <th scope="col">Last refresh</th>
            <th scope="col">Last error</th>
            {show.disconnect && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {connections.map((connection) => (
            <tr key={connection.id} data-testid="connection-row">
              {show.user && <td data-label="User">{connection.userEmail ?? "app-only token"}</td>}
              {show.app && (
                <td data-label="App">
                  <a href={`/admin/connected-apps/${connection.connectedAppId}`}>{connection.providerName}</a>
                </td>
              )}
              <td data-label="Provider account" className="break-all">
                {connection.providerEmail ?? connection.providerSubject ?? "—"}
              </td>
              <td data-label="Status">
                <ConnectionStatusBadge status={connection.status} />
                {connection.status === "active" && !connection.renewable && <span className="badge warn ml-1">no refresh token</span>}
              </td>
              <td data-label="Scopes" className="text-sm break-all">
                {connection.scopes.join(" ")}
              </td>
              <td data-label="Access token expires">
                <LocalTime iso={connection.expiresAt} />
              </td>
              <td data-label="Last refresh">
                <LocalTime iso={connection.lastRefreshedAt} />
              </td>
              <td data-label="Last error" className="text-sm">
                {connection.lastError ?? "—"}
              </td>
              {show.disconnect && (
                <td>
                  {connection.status !== "disconnected" && connection.userId && (
                    <DisconnectButton connectedAppId={connection.connectedAppId} providerName={connection.providerName} userId={connection.userId} then="stay" />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
