"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "./api";

export function DeleteConnectedAppButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          if (!window.confirm(`Delete ${name} and every connection to it?`)) return;
          try {
            await callApi(`/api/v1/connected-apps/${id}`, { method: "DELETE" });
            router.push("/admin/connected-apps");
          } catch (caught) {
            setError(caught instanceof Error ? caught.message : "Could not delete");
          }
        }}
      >
        Delete {name}
      </button>
      {error && <p className="error">{error}</p>}
    </>
  );
}
