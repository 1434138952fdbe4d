"use client";

import { useRouter } from "next/navigation";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

export function DeleteConnectedAppButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction();
  return (
    <>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        onClick={async () => {
          if (!window.confirm(`Delete ${name} and every connection to it?`)) return;
          await run(async () => {
            await callApi(`/api/v1/connected-apps/${id}`, { method: "DELETE" });
            router.push("/admin/connected-apps");
          }, "Could not delete");
        }}
      >
        Delete {name}
      </button>
      {error && <p className="error">{error}</p>}
    </>
  );
}
