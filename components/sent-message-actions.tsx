"use client";

import { useRouter } from "next/navigation";
import { callApi } from "./api";
import { ConfirmButton } from "./ui/confirm-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

/** Retry now and Cancel for a queued or failed message; the list shows the outcome. */
export function SentMessageActions({ id, subject }: { id: string; subject: string }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction();
  const act = (verb: "retry" | "cancel") =>
    run(async () => {
      await callApi(`/api/v1/outbound/${id}/${verb}`, { method: "POST" });
      router.refresh();
    }, verb === "retry" ? "Could not retry" : "Could not cancel");
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => act("retry")}>
        Retry now
      </button>
      <ConfirmButton title={`Cancel “${subject}”?`} description="It will not be sent to anyone who does not have it yet." confirmLabel="Cancel the message" cancelLabel="Keep it" danger onConfirm={() => act("cancel")}>
        Cancel
      </ConfirmButton>
      <ActionError message={error} />
    </>
  );
}
