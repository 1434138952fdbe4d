"use client";

import { useRouter } from "next/navigation";
import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

export function DeleteConnectedAppButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const { error, run } = useApiAction();
  return (
    <>
      <ConfirmButton
        title={`Delete ${name}?`}
        description="Every user's connection to it is deleted too, and mail accounts that use it stop."
        confirmLabel={`Delete ${name}`}
        danger
        onConfirm={() =>
          run(async () => {
            await callApi(`/api/v1/connected-apps/${id}`, { method: "DELETE" });
            router.push("/admin/connected-apps?deleted=1");
          }, "Could not delete")
        }
      >
        Delete {name}
      </ConfirmButton>
      <ActionError message={error} />
    </>
  );
}
