"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { CreatedApiKey } from "#lib/api-keys/create-api-key";
import { callApi } from "./api";
import { CopyButton } from "./copy-button";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

const LIFETIMES = [
  [30, "30 days"],
  [90, "90 days"],
  [180, "180 days"],
  [365, "1 year"],
  [730, "2 years (the longest)"],
] as const;

/** A new key for the signed-in person: shown here once, in full, and never again. */
export function CreateApiKeyForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const { busy, error, run } = useApiAction();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await run(async () => {
      setCreated(await callApi<CreatedApiKey>("/api/v1/api-keys", { method: "POST", body: { name, expiresInDays: days } }));
      setName("");
      router.refresh();
    }, "Could not create the key");
  }

  return (
    <>
      {created && (
        <div className="banner ok" role="status" data-testid="new-api-key">
          <p className="mt-0">
            <strong>{created.name}</strong> is ready. Copy it now: it is shown this once, and only its first characters are kept.
          </p>
          <div className="row">
            <input aria-label="The new API key" value={created.key} readOnly className="font-mono" data-testid="new-api-key-value" />
            <CopyButton text={created.key} label="Copy the API key" />
          </div>
        </div>
      )}
      <form onSubmit={submit} className="filters">
        <div>
          <label htmlFor="key-name">Name (what uses it)</label>
          <input id="key-name" value={name} required maxLength={100} placeholder="e.g. billing service" onChange={(event) => setName(event.target.value)} />
        </div>
        <div>
          <label htmlFor="key-days">Expires after</label>
          <select id="key-days" value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {LIFETIMES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
      <ActionError message={error} />
    </>
  );
}
