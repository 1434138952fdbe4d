"use client";

import { useState } from "react";
import { callApi } from "./api";

export function IdentitySwitchButtons({ requestId }: { requestId: string }) {
  const [error, setError] = useState<string | null>(null);
  async function answer(accept: boolean) {
    try {
      await callApi(`/api/v1/connections/confirm/${requestId}`, { method: "POST", body: { accept } });
      window.location.assign("/connections");
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not save your answer");
    }
  }
  return (
    <div className="actions">
      <button type="button" onClick={() => answer(true)}>Use the new account</button>
      <button type="button" className="secondary" onClick={() => answer(false)}>Keep the old account</button>
      {error && <p className="error">{error}</p>}
    </div>
  );
}
