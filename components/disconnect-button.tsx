"use client";

import { useState } from "react";
import { callApi } from "./api";

export function DisconnectButton({ connectedAppId, providerName }: { connectedAppId: string; providerName: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          if (!window.confirm(`Disconnect ${providerName}? Its tokens are erased.`)) return;
          try {
            const result = await callApi<{ revokedAtProvider: boolean }>(`/api/v1/connected-apps/${connectedAppId}/connection`, {
              method: "DELETE",
            });
            // The page says what is left to do: it outlives this button, which is gone once disconnected.
            window.location.assign(`/connections?disconnected=${connectedAppId}&revoked=${result.revokedAtProvider ? 1 : 0}`);
          } catch (caught) {
            setError(caught instanceof Error ? caught.message : "Could not disconnect");
          }
        }}
      >
        Disconnect
      </button>
      {error && <p className="error">{error}</p>}
    </>
  );
}
