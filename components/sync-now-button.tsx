"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "./api";

export function SyncNowButton({ accountId }: { accountId: string }) {
  const router = useRouter();
  const [state, setState] = useState<"idle" | "queued" | "error">("idle");
  return (
    <button
      type="button"
      className="secondary"
      onClick={async () => {
        try {
          await callApi(`/api/v1/email-accounts/${accountId}/sync`, { method: "POST" });
          setState("queued");
          setTimeout(() => router.refresh(), 2_000);
        } catch {
          setState("error");
        }
      }}
    >
      {state === "queued" ? "Sync requested" : state === "error" ? "Sync failed: retry" : "Sync now"}
    </button>
  );
}
