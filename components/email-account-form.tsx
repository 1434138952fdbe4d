"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { MAIL_SERVER_PRESETS, type MailServerPreset } from "#lib/email-accounts/server-presets";
import type { PublicEmailAccount } from "#lib/email-accounts/schemas";
import { callApi } from "./api";
import { useApiAction } from "./use-api-action";

type Security = "tls" | "starttls" | "none";
interface Endpoint { host: string; port: number; security: Security; login: string }

export interface AppChoice {
  id: string;
  providerName: string;
}

function initial(account?: PublicEmailAccount) {
  return {
    emailAddress: account?.emailAddress ?? "",
    displayName: account?.displayName ?? "",
    authMethod: account?.authMethod ?? ("oauth" as "oauth" | "password"),
    password: "",
    connectedAppId: account?.connectedAppId ?? "",
    servicePrincipal: account?.servicePrincipal ?? false,
    imap: account?.imap ?? ({ host: "", port: 993, security: "tls", login: "" } as Endpoint),
    smtp: account?.smtp ?? ({ host: "", port: 587, security: "starttls", login: "" } as Endpoint),
    enableIncoming: account?.enableIncoming ?? true,
    enableOutgoing: account?.enableOutgoing ?? true,
    folders: (account?.folders ?? ["INBOX"]).join(", "),
    useIdle: account?.useIdle ?? true,
    pollIntervalSeconds: account?.pollIntervalSeconds ?? 60,
    initialSince: account?.initialSync.since?.slice(0, 10) ?? "",
    initialNewest: account?.initialSync.newest ? String(account.initialSync.newest) : "",
    perMinute: account?.sendLimits.perMinute ?? 30,
    connections: account?.sendLimits.connections ?? 3,
    alwaysUseAccountAddressAsSender: account?.alwaysUseAccountAddressAsSender ?? false,
    alwaysUseAccountNameAsSenderName: account?.alwaysUseAccountNameAsSenderName ?? false,
    isDefaultOutgoing: account?.isDefaultOutgoing ?? false,
  };
}

type Fields = ReturnType<typeof initial>;

function EndpointFields({ side, value, onChange }: { side: "imap" | "smtp"; value: Endpoint; onChange: (next: Endpoint) => void }) {
  const label = side.toUpperCase();
  return (
    <fieldset>
      <legend>{label} server</legend>
      <div className="row">
        <div style={{ flex: 3 }}>
          <label htmlFor={`${side}-host`}>Host</label>
          <input id={`${side}-host`} value={value.host} required onChange={(event) => onChange({ ...value, host: event.target.value })} />
        </div>
        <div style={{ flex: 1 }}>
          <label htmlFor={`${side}-port`}>Port</label>
          <input id={`${side}-port`} type="number" value={value.port} required onChange={(event) => onChange({ ...value, port: Number(event.target.value) })} />
        </div>
        <div style={{ flex: 2 }}>
          <label htmlFor={`${side}-security`}>Security</label>
          <select id={`${side}-security`} value={value.security} onChange={(event) => onChange({ ...value, security: event.target.value as Security })}>
            <option value="tls">TLS ({side === "imap" ? "993" : "465"})</option>
            <option value="starttls">STARTTLS ({side === "imap" ? "143" : "587"})</option>
            <option value="none">none (test hosts only)</option>
          </select>
        </div>
      </div>
      <label htmlFor={`${side}-login`}>{label} login (for a shared mailbox: {side === "imap" ? "the mailbox address" : "the sending user, or the mailbox"})</label>
      <input id={`${side}-login`} value={value.login} required onChange={(event) => onChange({ ...value, login: event.target.value })} />
    </fieldset>
  );
}

interface TestResult {
  imap: { ok: boolean; error?: string; hint?: string };
  smtp: { ok: boolean; error?: string; hint?: string };
}

export function EmailAccountForm({ account, apps, isAdmin }: { account?: PublicEmailAccount; apps: AppChoice[]; isAdmin: boolean }) {
  const router = useRouter();
  const [fields, setFields] = useState<Fields>(() => initial(account));
  const [notice, setNotice] = useState<string | null>(null);
  const [test, setTest] = useState<TestResult | null>(null);
  const { busy, error, run } = useApiAction();
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setFields((current) => ({ ...current, [key]: value }));

  function applyPreset(name: MailServerPreset) {
    const preset = MAIL_SERVER_PRESETS[name];
    setFields((current) => ({
      ...current,
      imap: { ...preset.imap, login: current.imap.login || current.emailAddress },
      smtp: { ...preset.smtp, login: current.smtp.login || current.emailAddress },
      perMinute: preset.sendLimits.perMinute,
      connections: preset.sendLimits.connections,
    }));
  }

  function payload() {
    return {
      emailAddress: fields.emailAddress,
      displayName: fields.displayName,
      authMethod: fields.authMethod,
      ...(fields.password ? { password: fields.password } : {}),
      ...(fields.authMethod === "oauth" ? { connectedAppId: fields.connectedAppId || null, servicePrincipal: fields.servicePrincipal } : {}),
      imap: fields.imap,
      smtp: fields.smtp,
      enableIncoming: fields.enableIncoming,
      enableOutgoing: fields.enableOutgoing,
      folders: fields.folders.split(",").map((folder) => folder.trim()).filter(Boolean),
      useIdle: fields.useIdle,
      pollIntervalSeconds: Number(fields.pollIntervalSeconds),
      initialSync: {
        ...(fields.initialSince ? { since: new Date(fields.initialSince).toISOString() } : {}),
        ...(fields.initialNewest ? { newest: Number(fields.initialNewest) } : {}),
      },
      sendLimits: { perMinute: Number(fields.perMinute), connections: Number(fields.connections) },
      alwaysUseAccountAddressAsSender: fields.alwaysUseAccountAddressAsSender,
      alwaysUseAccountNameAsSenderName: fields.alwaysUseAccountNameAsSenderName,
      // Only admins choose the default outgoing account; left out, a user's save keeps it as it is.
      ...(isAdmin ? { isDefaultOutgoing: fields.isDefaultOutgoing } : {}),
    };
  }

  async function testConnection() {
    setTest(null);
    await run(async () => {
      // A saved account is tested as saved (its stored password included); a new one with the form's values.
      setTest(
        account
          ? await callApi<TestResult>(`/api/v1/email-accounts/${account.id}/test`, { method: "POST" })
          : await callApi<TestResult>("/api/v1/email-accounts/test", { method: "POST", body: payload() }),
      );
    }, "The test could not run");
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice(null);
    await run(async () => {
      const saved = await callApi<PublicEmailAccount>(account ? `/api/v1/email-accounts/${account.id}` : "/api/v1/email-accounts", {
        method: account ? "PATCH" : "POST",
        body: payload(),
      });
      if (account) {
        setNotice("Saved.");
        router.refresh();
      } else {
        router.push(`/email-accounts/${saved.id}`);
      }
    }, "Could not save");
  }

  return (
    <form onSubmit={submit}>
      <div className="actions">
        <span className="muted">Fill servers from:</span>
        {(Object.keys(MAIL_SERVER_PRESETS) as MailServerPreset[]).map((name) => (
          <button key={name} type="button" className="secondary" onClick={() => applyPreset(name)}>
            {MAIL_SERVER_PRESETS[name].label}
          </button>
        ))}
      </div>
      <label htmlFor="emailAddress">Email address</label>
      <input id="emailAddress" type="email" value={fields.emailAddress} required onChange={(event) => set("emailAddress", event.target.value)} />
      <label htmlFor="displayName">Display name</label>
      <input id="displayName" value={fields.displayName} onChange={(event) => set("displayName", event.target.value)} />

      <label htmlFor="authMethod">Sign in with</label>
      <select id="authMethod" value={fields.authMethod} onChange={(event) => set("authMethod", event.target.value as Fields["authMethod"])}>
        <option value="oauth">OAuth (a Connected App)</option>
        <option value="password">Password</option>
      </select>
      {fields.authMethod === "oauth" ? (
        <>
          <label htmlFor="connectedAppId">Connected App</label>
          <select id="connectedAppId" value={fields.connectedAppId} required onChange={(event) => set("connectedAppId", event.target.value)}>
            <option value="">choose…</option>
            {apps.map((app) => (
              <option key={app.id} value={app.id}>{app.providerName}</option>
            ))}
          </select>
          {isAdmin && (
            <label className="check">
              <input type="checkbox" checked={fields.servicePrincipal} onChange={(event) => set("servicePrincipal", event.target.checked)} />
              Authenticate as service principal (app-only token: for shared mailboxes)
            </label>
          )}
          {!fields.servicePrincipal && <p className="muted">Uses your connection to that app: connect it under My connections first.</p>}
        </>
      ) : (
        <>
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            value={fields.password}
            placeholder={account?.passwordSet ? "set (leave empty to keep it)" : ""}
            aria-describedby={account?.passwordSet ? "passwordHint" : undefined}
            onChange={(event) => set("password", event.target.value)}
          />
          {account?.passwordSet && (
            <p id="passwordHint" className="muted">
              Changing a server&apos;s host, port or security removes the saved password unless you enter it again.
            </p>
          )}
        </>
      )}

      <EndpointFields side="imap" value={fields.imap} onChange={(next) => set("imap", next)} />
      <EndpointFields side="smtp" value={fields.smtp} onChange={(next) => set("smtp", next)} />

      <fieldset>
        <legend>Incoming</legend>
        <label className="check">
          <input type="checkbox" checked={fields.enableIncoming} onChange={(event) => set("enableIncoming", event.target.checked)} /> Read this mailbox
        </label>
        <label htmlFor="folders">Folders to sync (comma-separated)</label>
        <input id="folders" value={fields.folders} onChange={(event) => set("folders", event.target.value)} />
        <label className="check">
          <input type="checkbox" checked={fields.useIdle} onChange={(event) => set("useIdle", event.target.checked)} /> IDLE on INBOX (new mail within seconds)
        </label>
        <label htmlFor="poll">Poll interval (seconds)</label>
        <input id="poll" type="number" min={10} value={fields.pollIntervalSeconds} onChange={(event) => set("pollIntervalSeconds", Number(event.target.value))} />
        <div className="row">
          <div>
            <label htmlFor="since">First sync: messages since</label>
            <input id="since" type="date" value={fields.initialSince} onChange={(event) => set("initialSince", event.target.value)} />
          </div>
          <div>
            <label htmlFor="newest">or the newest N messages</label>
            <input id="newest" type="number" min={1} value={fields.initialNewest} onChange={(event) => set("initialNewest", event.target.value)} />
          </div>
        </div>
      </fieldset>

      <fieldset>
        <legend>Outgoing</legend>
        <label className="check">
          <input type="checkbox" checked={fields.enableOutgoing} onChange={(event) => set("enableOutgoing", event.target.checked)} /> Send from this account
        </label>
        <div className="row">
          <div>
            <label htmlFor="perMinute">Messages per minute</label>
            <input id="perMinute" type="number" min={1} value={fields.perMinute} onChange={(event) => set("perMinute", Number(event.target.value))} />
          </div>
          <div>
            <label htmlFor="connections">Concurrent connections</label>
            <input id="connections" type="number" min={1} value={fields.connections} onChange={(event) => set("connections", Number(event.target.value))} />
          </div>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={fields.alwaysUseAccountAddressAsSender}
            onChange={(event) => set("alwaysUseAccountAddressAsSender", event.target.checked)}
          />
          Always use this account's address as sender (the original sender goes to X-Original-From and Reply-To)
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={fields.alwaysUseAccountNameAsSenderName}
            onChange={(event) => set("alwaysUseAccountNameAsSenderName", event.target.checked)}
          />
          Always use this account's name as sender name
        </label>
        {isAdmin && (
          <label className="check">
            <input type="checkbox" checked={fields.isDefaultOutgoing} onChange={(event) => set("isDefaultOutgoing", event.target.checked)} />
            Default outgoing account (sends the app's own e-mails, e.g. reconnect reminders)
          </label>
        )}
      </fieldset>

      <div className="actions">
        <button type="submit" disabled={busy}>{account ? "Save" : "Create"}</button>
        <button type="button" className="secondary" disabled={busy} onClick={testConnection}>
          {account ? "Test saved settings" : "Test connection"}
        </button>
      </div>
      {test && (
        <div data-testid="connection-test">
          {(["imap", "smtp"] as const).map((side) => (
            <p key={side} className={test[side].ok ? "notice" : "error"}>
              {side.toUpperCase()}: {test[side].ok ? "signed in" : `${test[side].error}${test[side].hint ? ` ${test[side].hint}` : ""}`}
            </p>
          ))}
        </div>
      )}
      {notice && <p className="notice" role="status">{notice}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
