"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { missingInWords } from "#lib/connected-apps/app-completeness";
import { googlePreset, microsoftPreset, type PresetValues } from "#lib/connected-apps/presets";
import type { PublicConnectedApp } from "#lib/connected-apps/schemas";
import type { DiscoveredProvider } from "#lib/connected-apps/discover-provider";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

type Preset = "google" | "microsoft" | "generic";

interface Fields {
  providerName: string;
  preset: Preset;
  tenant: string;
  openidConfigurationUrl: string;
  issuer: string;
  authorizationUri: string;
  tokenUri: string;
  revocationUri: string;
  userinfoUri: string;
  introspectionUri: string;
  clientId: string;
  clientSecret: string;
  clientSecretExpiresAt: string;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post";
  scopes: string[];
  queryParameters: [string, string][];
  pkce: boolean;
}

function fieldsFrom(app?: PublicConnectedApp): Fields {
  return {
    providerName: app?.providerName ?? "",
    preset: app?.preset ?? "generic",
    tenant: app?.tenant ?? "",
    openidConfigurationUrl: app?.openidConfigurationUrl ?? "",
    issuer: app?.issuer ?? "",
    authorizationUri: app?.authorizationUri ?? "",
    tokenUri: app?.tokenUri ?? "",
    revocationUri: app?.revocationUri ?? "",
    userinfoUri: app?.userinfoUri ?? "",
    introspectionUri: app?.introspectionUri ?? "",
    clientId: app?.clientId ?? "",
    clientSecret: "",
    clientSecretExpiresAt: app?.clientSecretExpiresAt?.slice(0, 10) ?? "",
    tokenEndpointAuthMethod: app?.tokenEndpointAuthMethod ?? "client_secret_basic",
    scopes: app?.scopes ?? ["openid", "email"],
    queryParameters: Object.entries(app?.queryParameters ?? {}),
    pkce: app?.pkce ?? true,
  };
}

/** The names the presets give: a name still equal to one of them follows a change of preset. */
const PRESET_NAMES = [googlePreset().providerName, microsoftPreset("common").providerName];

function applyPreset(fields: Fields, values: PresetValues): Fields {
  return {
    ...fields,
    // A Microsoft app must never say "Connect to Google": a name the admin did not type follows the preset.
    providerName: !fields.providerName.trim() || PRESET_NAMES.includes(fields.providerName) ? values.providerName : fields.providerName,
    openidConfigurationUrl: values.openidConfigurationUrl ?? "",
    issuer: values.issuer ?? "",
    authorizationUri: values.authorizationUri,
    tokenUri: values.tokenUri,
    revocationUri: values.revocationUri ?? "",
    userinfoUri: values.userinfoUri ?? "",
    introspectionUri: values.introspectionUri ?? "",
    scopes: values.scopes,
    queryParameters: Object.entries(values.queryParameters),
    tokenEndpointAuthMethod: values.tokenEndpointAuthMethod,
  };
}

const ENDPOINTS = [
  ["issuer", "Issuer"],
  ["authorizationUri", "Authorization URI"],
  ["tokenUri", "Token URI"],
  ["revocationUri", "Revocation URI"],
  ["userinfoUri", "Userinfo URI"],
  ["introspectionUri", "Introspection URI"],
] as const;

/**
 * Edit a Connected App (it was created with a name and a preset: see
 * new-connected-app-form.tsx). The client secret is write-only: never sent
 * back to the browser.
 */
export function ConnectedAppForm({ app }: { app: PublicConnectedApp }) {
  const router = useRouter();
  const [fields, setFields] = useState<Fields>(() => fieldsFrom(app));
  const [newScope, setNewScope] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useApiAction();
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setFields((current) => ({ ...current, [key]: value }));
  // The server drops the saved secret when the app's endpoints move and no secret comes with them: say so first.
  const saved = fieldsFrom(app);
  const endpointsMoved = (["openidConfigurationUrl", ...ENDPOINTS.map(([key]) => key)] as const).some((key) => fields[key].trim() !== saved[key].trim());
  const secretWillBeDropped = app.clientSecretSet && endpointsMoved && fields.clientSecret === "";

  function choosePreset(preset: Preset) {
    setFields((current) => {
      const next = { ...current, preset };
      if (preset === "google") return applyPreset(next, googlePreset());
      if (preset === "microsoft") return applyPreset(next, microsoftPreset(current.tenant || "common"));
      return next;
    });
  }

  async function discover() {
    setNotice(null);
    await run(async () => {
      const found = await callApi<Omit<DiscoveredProvider, "tokenEndpointAuthMethods">>("/api/v1/discovery", { method: "POST", body: { url: fields.openidConfigurationUrl } });
      setFields((current) => ({
        ...current,
        issuer: found.issuer,
        authorizationUri: found.authorizationUri,
        tokenUri: found.tokenUri,
        revocationUri: found.revocationUri ?? "",
        userinfoUri: found.userinfoUri ?? "",
        introspectionUri: found.introspectionUri ?? "",
      }));
      setNotice(
        `Filled the endpoints from ${found.issuer}.${found.scopesSupported.length ? ` Scopes offered: ${found.scopesSupported.join(" ")}` : ""}`,
      );
    }, "Discovery failed");
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const optional = (value: string) => (value.trim() === "" ? null : value.trim());
    const body = {
      providerName: fields.providerName,
      preset: fields.preset,
      ...(fields.preset === "microsoft" ? { tenant: fields.tenant || "common" } : {}),
      openidConfigurationUrl: optional(fields.openidConfigurationUrl),
      issuer: optional(fields.issuer),
      authorizationUri: fields.authorizationUri.trim() || undefined,
      tokenUri: fields.tokenUri.trim() || undefined,
      revocationUri: optional(fields.revocationUri),
      userinfoUri: optional(fields.userinfoUri),
      introspectionUri: optional(fields.introspectionUri),
      // Left empty, the app stays incomplete (offered to nobody): the other fields are saved meanwhile.
      clientId: fields.clientId.trim() || undefined,
      ...(fields.clientSecret ? { clientSecret: fields.clientSecret } : {}),
      clientSecretExpiresAt: fields.clientSecretExpiresAt ? new Date(fields.clientSecretExpiresAt).toISOString() : null,
      tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod,
      scopes: fields.scopes,
      queryParameters: Object.fromEntries(fields.queryParameters.filter(([key]) => key.trim() !== "")),
      pkce: fields.pkce,
    };
    await run(async () => {
      const saved = await callApi<PublicConnectedApp>(`/api/v1/connected-apps/${app.id}`, { method: "PATCH", body });
      setFields(fieldsFrom(saved));
      setNotice(saved.status === "incomplete" ? `Saved. Still missing: ${missingInWords(saved)}.` : "Saved.");
      router.refresh();
    }, "Could not save");
  }

  return (
    <form onSubmit={submit} className="app-form">
      <label htmlFor="preset">Provider preset</label>
      <select id="preset" value={fields.preset} onChange={(event) => choosePreset(event.target.value as Preset)}>
        <option value="generic">Any OpenID Connect / OAuth 2.0 provider</option>
        <option value="google">Google (Gmail)</option>
        <option value="microsoft">Microsoft 365 / Entra ID</option>
      </select>
      {fields.preset === "microsoft" && (
        <>
          <label htmlFor="tenant">Tenant (id, domain, common, organizations or consumers)</label>
          <input
            id="tenant"
            value={fields.tenant}
            placeholder="common"
            onChange={(event) => set("tenant", event.target.value)}
            onBlur={() => setFields((current) => applyPreset(current, microsoftPreset(current.tenant || "common")))}
          />
          <p className="muted">App-only (service principal) mail access needs a tenant id or domain, not common or organizations.</p>
        </>
      )}

      <label htmlFor="providerName">Provider name (shown on “Connect to …”)</label>
      <input id="providerName" value={fields.providerName} required onChange={(event) => set("providerName", event.target.value)} />

      <label htmlFor="openidConfigurationUrl">OpenID configuration URL</label>
      <div className="row">
        <input
          id="openidConfigurationUrl"
          value={fields.openidConfigurationUrl}
          placeholder="https://provider.example.com/.well-known/openid-configuration"
          onChange={(event) => set("openidConfigurationUrl", event.target.value)}
        />
        <button type="button" className="secondary" disabled={busy || !fields.openidConfigurationUrl} onClick={discover}>
          Get OpenID Configuration
        </button>
      </div>

      {/* A preset knows its endpoints: they stay folded away (still editable); without one they are the point. */}
      <details open={fields.preset === "generic"} className="my-4 rounded-md border border-line px-4 py-2">
        <summary className="cursor-pointer font-semibold">
          {fields.preset === "generic" ? "Endpoints (filled by discovery, or type them)" : "Endpoints (set by the preset; change them only if you must)"}
        </summary>
        {ENDPOINTS.map(([key, label]) => (
          <div key={key}>
            <label htmlFor={key}>{label}</label>
            <input id={key} value={fields[key]} onChange={(event) => set(key, event.target.value)} />
          </div>
        ))}
      </details>

      <label htmlFor="clientId">Client ID</label>
      <input id="clientId" value={fields.clientId} autoComplete="off" onChange={(event) => set("clientId", event.target.value)} />
      <label htmlFor="clientSecret">Client secret</label>
      <input
        id="clientSecret"
        type="password"
        autoComplete="new-password"
        value={fields.clientSecret}
        placeholder={app.clientSecretSet ? "set (leave empty to keep it)" : "not set"}
        aria-describedby="clientSecretHint"
        onChange={(event) => set("clientSecret", event.target.value)}
      />
      <p id="clientSecretHint" className={secretWillBeDropped ? "error" : "muted"} data-testid="client-secret-hint">
        {secretWillBeDropped
          ? "You changed where this app sends its secret: saving removes the saved client secret. Enter it again to keep one."
          : "Changing an endpoint, the issuer or the OpenID configuration URL removes the saved secret unless you enter it again."}
      </p>
      <label htmlFor="clientSecretExpiresAt">Client secret expires on (optional; you are warned 30 days before)</label>
      <input
        id="clientSecretExpiresAt"
        type="date"
        value={fields.clientSecretExpiresAt}
        onChange={(event) => set("clientSecretExpiresAt", event.target.value)}
      />
      <label htmlFor="tokenEndpointAuthMethod">Token endpoint authentication</label>
      <select
        id="tokenEndpointAuthMethod"
        value={fields.tokenEndpointAuthMethod}
        onChange={(event) => set("tokenEndpointAuthMethod", event.target.value as Fields["tokenEndpointAuthMethod"])}
      >
        <option value="client_secret_basic">client_secret_basic (HTTP Basic)</option>
        <option value="client_secret_post">client_secret_post (in the form body)</option>
      </select>

      <label htmlFor="new-scope">Scopes</label>
      <ul className="chips" data-testid="scopes">
        {fields.scopes.map((scope) => (
          <li key={scope}>
            {scope}{" "}
            <button type="button" className="link" aria-label={`Remove ${scope}`} onClick={() => set("scopes", fields.scopes.filter((s) => s !== scope))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        <input id="new-scope" value={newScope} placeholder="add a scope" onChange={(event) => setNewScope(event.target.value)} />
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const added = newScope.trim().split(/\s+/).filter((scope) => scope && !fields.scopes.includes(scope));
            set("scopes", [...fields.scopes, ...added]);
            setNewScope("");
          }}
        >
          Add scope
        </button>
      </div>

      <fieldset>
        <legend>Extra query parameters (e.g. access_type=offline, prompt=consent)</legend>
        {fields.queryParameters.map(([key, value], index) => (
          <div className="row" key={index}>
            <input
              aria-label="parameter name"
              value={key}
              onChange={(event) => set("queryParameters", fields.queryParameters.map((pair, i) => (i === index ? [event.target.value, pair[1]] : pair)))}
            />
            <input
              aria-label="parameter value"
              value={value}
              onChange={(event) => set("queryParameters", fields.queryParameters.map((pair, i) => (i === index ? [pair[0], event.target.value] : pair)))}
            />
            <button type="button" className="secondary" onClick={() => set("queryParameters", fields.queryParameters.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => set("queryParameters", [...fields.queryParameters, ["", ""]])}>
          Add parameter
        </button>
      </fieldset>

      <label className="check">
        <input type="checkbox" checked={fields.pkce} onChange={(event) => set("pkce", event.target.checked)} /> Use PKCE (S256)
      </label>

      <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
      {notice && <p className="notice" role="status">{notice}</p>}
      <ActionError message={error} />
    </form>
  );
}
