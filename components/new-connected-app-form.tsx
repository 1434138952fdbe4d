"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { PublicConnectedApp } from "#lib/connected-apps/schemas";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

type Preset = "microsoft" | "google" | "generic";

const PRESETS: { value: Preset; label: string; name: string }[] = [
  { value: "microsoft", label: "Microsoft 365 (Entra ID)", name: "Microsoft 365" },
  { value: "google", label: "Google (Gmail, Workspace)", name: "Google" },
  { value: "generic", label: "Another OpenID Connect / OAuth 2.0 provider", name: "" },
];

/**
 * The first step, in the order the providers ask for things: a name and a
 * preset are enough to save the app and get its Redirect URI, which Entra
 * and Google want before they hand out a client id.
 */
export function NewConnectedAppForm() {
  const router = useRouter();
  const [preset, setPreset] = useState<Preset>("microsoft");
  const [name, setName] = useState(PRESETS[0]!.name);
  const { busy, error, run } = useApiAction();

  function choose(next: Preset) {
    // A name the admin did not type follows the preset: a Microsoft app is never "Connect to Google".
    if (PRESETS.some((entry) => entry.name === name) || name.trim() === "") setName(PRESETS.find((entry) => entry.value === next)!.name);
    setPreset(next);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await run(async () => {
      const created = await callApi<PublicConnectedApp>("/api/v1/connected-apps", { method: "POST", body: { providerName: name, preset } });
      router.push(`/admin/connected-apps/${created.id}?created=1`);
    }, "Could not create the app");
  }

  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>Provider</legend>
        {PRESETS.map((entry) => (
          <label key={entry.value} className="check font-normal">
            <input type="radio" name="preset" value={entry.value} checked={preset === entry.value} onChange={() => choose(entry.value)} /> {entry.label}
          </label>
        ))}
      </fieldset>
      <label htmlFor="providerName">Name users see on “Connect to …”</label>
      <input id="providerName" value={name} required maxLength={100} onChange={(event) => setName(event.target.value)} />
      <p className="muted">
        Saving gives the app its Redirect URI, which you register at the provider first; the client id and secret come after.
      </p>
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create and show the Redirect URI"}
      </button>
      <ActionError message={error} />
    </form>
  );
}
