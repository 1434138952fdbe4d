"use client";

import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

export function DisconnectButton({ connectedAppId, providerName }: { connectedAppId: string; providerName: string }) {
  const { busy, error, run } = useApiAction();
  return (
    <>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        onClick={async () => {
          if (!window.confirm(`Disconnect ${providerName}? Its tokens are erased.`)) return;
          await run(async () => {
            const result = await callApi<{ revokedAtProvider: boolean }>(`/api/v1/connected-apps/${connectedAppId}/connection`, {
              method: "DELETE",
            });
            // The page says what is left to do: it outlives this button, which is gone once disconnected.
            window.location.assign(`/connections?disconnected=${connectedAppId}&revoked=${result.revokedAtProvider ? 1 : 0}`);
          }, "Could not disconnect");
        }}
      >
        Disconnect
      </button>
      {error && <p className="error">{error}</p>}
    </>
  );
}
