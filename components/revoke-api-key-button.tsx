"use client";

import { useRouter } from "next/navigation";
import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/** Revokes a key after asking: its next request is refused. */
export function RevokeApiKeyButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const { error, run } = useApiAction();
  return (
    <>
      <ConfirmButton
        title={`Revoke “${name}”?`}
        description="Whatever uses it is refused from its next request on. This cannot be undone: make a new key instead."
        confirmLabel="Revoke"
        danger
        onConfirm={() =>
          run(async () => {
            await callApi(`/api/v1/api-keys/${id}`, { method: "DELETE" });
            router.refresh();
          }, "Could not revoke the key")
        }
      >
        Revoke
      </ConfirmButton>
      <ActionError message={error} />
    </>
  );
}
