"use client";

import { useState } from "react";

/**
 * The one way a form or button calls the API: `run` marks it busy, clears the
 * last error, and shows the failure's message (or `fallback`) when the call
 * throws; busy ends either way.
 */
export function useApiAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>, fallback: string): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : fallback);
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, run };
}
