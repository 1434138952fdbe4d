"use client";

import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/**
 * Disconnects a connection (the signed-in user's own, or, for an admin, the
 * user's named by `userId`), after asking. `then` is where to go afterwards:
 * the page says what is left to do and outlives this button.
 */
export function DisconnectButton({ connectedAppId, providerName, userId, then }: { connectedAppId: string; providerName: string; userId?: string; then?: "connections" | "stay" }) {
  const { error, run } = useApiAction();
  return (
    <>
      <ConfirmButton
        title={`Disconnect ${providerName}?`}
        description="Its tokens are erased and revoked at the provider where it allows that. Mail accounts that use the connection pause until it is connected again."
        confirmLabel="Disconnect"
        danger
        onConfirm={() =>
          run(async () => {
            const query = userId ? `?userId=${userId}` : "";
            const result = await callApi<{ revokedAtProvider: boolean }>(`/api/v1/connected-apps/${connectedAppId}/connection${query}`, { method: "DELETE" });
            if (then === "stay") window.location.reload();
            else window.location.assign(`/connections?disconnected=${connectedAppId}&revoked=${result.revokedAtProvider ? 1 : 0}`);
          }, "Could not disconnect")
        }
      >
        Disconnect
      </ConfirmButton>
      <ActionError message={error} />
    </>
  );
}
