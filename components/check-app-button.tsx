"use client";

import { useState } from "react";
import type { AppCheck } from "#lib/oauth/check-connected-app";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

const MARKS = { ok: "✓", failed: "✗", skipped: "–" } as const;

/** "Check this app": runs the checks and lists them, each with what to do. */
export function CheckAppButton({ appId }: { appId: string }) {
  const [checks, setChecks] = useState<AppCheck[] | null>(null);
  const { busy, error, run } = useApiAction();
  return (
    <div>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        onClick={() =>
          run(async () => {
            setChecks((await callApi<{ checks: AppCheck[] }>(`/api/v1/connected-apps/${appId}/check`, { method: "POST" })).checks);
          }, "The check could not run")
        }
      >
        {busy ? "Checking…" : "Check this app"}
      </button>
      <ActionError message={error} />
      {checks && (
        <ul className="mt-3 list-none space-y-2 p-0" data-testid="app-checks" aria-live="polite">
          {checks.map((check) => (
            <li key={check.name} data-result={check.result} className={check.result === "failed" ? "text-bad" : check.result === "ok" ? "text-ok" : "text-muted"}>
              <span aria-hidden="true">{MARKS[check.result]} </span>
              <strong>{check.name}</strong> <span className="sr-only">({check.result})</span>: {check.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
