"use client";

import { callApi } from "./api";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

export function IdentitySwitchButtons({ requestId }: { requestId: string }) {
  const { busy, error, run } = useApiAction();
  const answer = (accept: boolean) =>
    run(async () => {
      await callApi(`/api/v1/connections/confirm/${requestId}`, { method: "POST", body: { accept } });
      window.location.assign("/connections");
    }, "Could not save your answer");
  return (
    <div className="actions">
      <button type="button" disabled={busy} onClick={() => answer(true)}>Use the new account</button>
      <button type="button" className="secondary" disabled={busy} onClick={() => answer(false)}>Keep the old account</button>
      <ActionError message={error} />
    </div>
  );
}
