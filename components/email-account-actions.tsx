"use client";

import { useRouter } from "next/navigation";
import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/** Disable (both sides stop, nothing is lost) or enable an account, and delete it; each asks first. */
export function EmailAccountActions({ id, address, enabled }: { id: string; address: string; enabled: boolean }) {
  const router = useRouter();
  const { error, run } = useApiAction();
  const setEnabled = (value: boolean) =>
    run(async () => {
      await callApi(`/api/v1/email-accounts/${id}`, { method: "PATCH", body: { enableIncoming: value, enableOutgoing: value } });
      router.refresh();
    }, value ? "Could not enable the account" : "Could not disable the account");
  return (
    <div className="actions mt-4">
      {enabled ? (
        <ConfirmButton
          title={`Disable ${address}?`}
          description="The worker stops reading the mailbox and sending from it. Messages already here stay; queued ones wait until you enable it again."
          confirmLabel="Disable"
          cancelLabel="Keep it running"
          onConfirm={() => setEnabled(false)}
        >
          Disable
        </ConfirmButton>
      ) : (
        <button type="button" className="secondary mt-0" onClick={() => setEnabled(true)}>
          Enable
        </button>
      )}
      <ConfirmButton
        title={`Delete ${address}?`}
        description="Its stored messages, its queued and sent mail and its settings are deleted here. Nothing is deleted in the mailbox itself."
        confirmLabel={`Delete ${address}`}
        cancelLabel="Keep it"
        danger
        onConfirm={() =>
          run(async () => {
            await callApi(`/api/v1/email-accounts/${id}`, { method: "DELETE" });
            router.push("/email-accounts?deleted=1");
          }, "Could not delete the account")
        }
      >
        Delete
      </ConfirmButton>
      <ActionError message={error} />
    </div>
  );
}
