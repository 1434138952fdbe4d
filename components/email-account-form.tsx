"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import type { ConnectionChoice } from "#lib/email-accounts/account-form-choices";
import { MAIL_SERVER_PRESETS, type MailServerPreset } from "#lib/email-accounts/server-presets";
import type { PublicEmailAccount } from "#lib/email-accounts/schemas";
import { callApi } from "./api";
import { describedBy, FieldError } from "./ui/field-error";
import { useApiAction } from "./use-api-action";
import { ActionError } from "./ui/action-error";

type Security = "tls" | "starttls" | "none";
interface Endpoint {
  host: string;
  port: number;
  security: Security;
  login: string;
}

/** How the mailbox signs in: a connection of the viewer's, a password, or (admins) the app itself. */
type SignIn = { kind: "connection"; appId: string } | { kind: "password" } | { kind: "app-only"; appId: string } | { kind: "none" };

interface ServerFolder {
  path: string;
  specialUse: string | null;
}

interface TestResult {
  imap: { ok: boolean; error?: string; hint?: string; folders?: ServerFolder[] };
  smtp: { ok: boolean; error?: string; hint?: string };
}

const FIELDS = {
  emailAddress: { name: "Email address" },
  displayName: { name: "Display name" },
  connectedAppId: { name: "Sign-in" },
  password: { name: "Password" },
  imap: { name: "Incoming server (IMAP)" },
  smtp: { name: "Outgoing server (SMTP)" },
  folders: { name: "Folders", item: "folder" },
  pollIntervalSeconds: { name: "Poll interval" },
  initialSync: { name: "First sync" },
  sendLimits: { name: "Sending limits" },
  sentFolder: { name: "Sent folder" },
};

/** The server preset a Connected App's preset implies. */
const SERVERS_FOR: Record<ConnectionChoice["preset"], MailServerPreset | null> = { microsoft: "microsoft", google: "gmail", generic: null };

function signInOf(account: PublicEmailAccount | undefined): SignIn {
  if (!account) return { kind: "none" };
  if (account.authMethod === "password") return { kind: "password" };
  if (!account.connectedAppId) return { kind: "none" };
  return account.servicePrincipal ? { kind: "app-only", appId: account.connectedAppId } : { kind: "connection", appId: account.connectedAppId };
}

function initial(account?: PublicEmailAccount) {
  return {
    emailAddress: account?.emailAddress ?? "",
    displayName: account?.displayName ?? "",
    password: "",
    imap: account?.imap ?? ({ host: "", port: 993, security: "tls", login: "" } as Endpoint),
    smtp: account?.smtp ?? ({ host: "", port: 587, security: "starttls", login: "" } as Endpoint),
    enableIncoming: account?.enableIncoming ?? true,
    enableOutgoing: account?.enableOutgoing ?? true,
    folders: account?.folders ?? ["INBOX"],
    useIdle: account?.useIdle ?? true,
    pollIntervalSeconds: account?.pollIntervalSeconds ?? 60,
    initialSince: account?.initialSync.since?.slice(0, 10) ?? "",
    initialNewest: account?.initialSync.newest ? String(account.initialSync.newest) : "",
    perMinute: account?.sendLimits.perMinute ?? 30,
    connections: account?.sendLimits.connections ?? 3,
    alwaysUseAccountAddressAsSender: account?.alwaysUseAccountAddressAsSender ?? false,
    alwaysUseAccountNameAsSenderName: account?.alwaysUseAccountNameAsSenderName ?? false,
    isDefaultOutgoing: account?.isDefaultOutgoing ?? false,
    appendToSent: account?.appendToSent ?? true,
    sentFolder: account?.sentFolder ?? "",
  };
}

type Fields = ReturnType<typeof initial>;

function EndpointFields({ side, value, onChange, errors }: { side: "imap" | "smtp"; value: Endpoint; onChange: (next: Endpoint) => void; errors: Record<string, string> }) {
  const label = side === "imap" ? "Incoming (IMAP)" : "Outgoing (SMTP)";
  return (
    <fieldset>
      <legend>{label}</legend>
      <div className="grid gap-x-3 sm:grid-cols-[3fr_1fr_2fr]">
        <div>
          <label htmlFor={`${side}-host`}>Host</label>
          <input id={`${side}-host`} value={value.host} required onChange={(event) => onChange({ ...value, host: event.target.value })} {...describedBy(side, errors)} />
        </div>
        <div>
          <label htmlFor={`${side}-port`}>Port</label>
          <input id={`${side}-port`} type="number" inputMode="numeric" value={value.port} required onChange={(event) => onChange({ ...value, port: Number(event.target.value) })} />
        </div>
        <div>
          <label htmlFor={`${side}-security`}>Security</label>
          <select id={`${side}-security`} value={value.security} onChange={(event) => onChange({ ...value, security: event.target.value as Security })}>
            <option value="tls">TLS ({side === "imap" ? "993" : "465"})</option>
            <option value="starttls">STARTTLS ({side === "imap" ? "143" : "587"})</option>
            <option value="none">none (test hosts only)</option>
          </select>
        </div>
      </div>
      <FieldError name={side} errors={errors} />
    </fieldset>
  );
}

function Check({ checked, onChange, children }: { checked: boolean; onChange: (value: boolean) => void; children: ReactNode }) {
  return (
    <label className="check mt-3 font-normal">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>{children}</span>
    </label>
  );
}

/**
 * The Email Account form. It starts from how the mailbox signs in: one of
 * the viewer's connections (only connected ones can be chosen; the others
 * link to Connect and come back here), a password, or for admins the app
 * itself (a shared mailbox). Choosing a connection fills the address and the
 * provider's servers; everything else is folded under Advanced settings with
 * the usual defaults. "Test connection" tests what is on the screen.
 */
export function EmailAccountForm({
  account,
  choices,
  isAdmin,
  preselectAppId,
}: {
  account?: PublicEmailAccount;
  choices: ConnectionChoice[];
  isAdmin: boolean;
  preselectAppId?: string;
}) {
  const router = useRouter();
  const [fields, setFields] = useState<Fields>(() => initial(account));
  const [signIn, setSignIn] = useState<SignIn>(() => signInOf(account));
  const [notice, setNotice] = useState<string | null>(null);
  const [test, setTest] = useState<TestResult | null>(null);
  const { busy, error, fieldErrors, run } = useApiAction(FIELDS);
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setFields((current) => ({ ...current, [key]: value }));
  const serverFolders = test?.imap.folders ?? null;
  // Open while there are no servers yet; then as the person leaves it (typing a host does not fold it away).
  const [serversOpen, setServersOpen] = useState(() => !account?.imap.host);

  function applyPreset(name: MailServerPreset, address = fields.emailAddress) {
    const preset = MAIL_SERVER_PRESETS[name];
    setFields((current) => ({
      ...current,
      imap: { ...preset.imap, login: current.imap.login || address },
      smtp: { ...preset.smtp, login: current.smtp.login || address },
      perMinute: preset.sendLimits.perMinute,
      connections: preset.sendLimits.connections,
      // Gmail and Exchange Online file what their SMTP servers send by themselves: a copy would be a second one.
      appendToSent: false,
    }));
  }

  /** A connection chosen: the address it signed in as, and its provider's servers, where the form has none yet. */
  function chooseConnection(choice: ConnectionChoice) {
    setSignIn({ kind: "connection", appId: choice.appId });
    const address = fields.emailAddress || choice.providerEmail || "";
    if (!fields.emailAddress && address) set("emailAddress", address);
    const servers = SERVERS_FOR[choice.preset];
    if (servers && !fields.imap.host) {
      applyPreset(servers, address);
      // Filled from the provider: the summary line says which; open it to change them.
      setServersOpen(false);
    }
  }

  useEffect(() => {
    // Back from "Connect first": the connection just made is the choice.
    const choice = choices.find((candidate) => candidate.appId === preselectAppId && candidate.status === "active");
    if (!account && choice && signIn.kind === "none") chooseConnection(choice);
    // Once, on arrival.
  }, []);

  function payload() {
    const oauth = signIn.kind === "connection" || signIn.kind === "app-only";
    const login = (side: Endpoint) => ({ ...side, login: side.login.trim() || fields.emailAddress });
    return {
      emailAddress: fields.emailAddress,
      displayName: fields.displayName,
      authMethod: signIn.kind === "password" ? ("password" as const) : ("oauth" as const),
      ...(fields.password ? { password: fields.password } : {}),
      ...(oauth ? { connectedAppId: signIn.appId, servicePrincipal: signIn.kind === "app-only" } : {}),
      imap: login(fields.imap),
      smtp: login(fields.smtp),
      enableIncoming: fields.enableIncoming,
      enableOutgoing: fields.enableOutgoing,
      folders: fields.folders,
      useIdle: fields.useIdle,
      pollIntervalSeconds: Number(fields.pollIntervalSeconds),
      initialSync: {
        ...(fields.initialSince ? { since: new Date(fields.initialSince).toISOString() } : {}),
        ...(fields.initialNewest ? { newest: Number(fields.initialNewest) } : {}),
      },
      sendLimits: { perMinute: Number(fields.perMinute), connections: Number(fields.connections) },
      alwaysUseAccountAddressAsSender: fields.alwaysUseAccountAddressAsSender,
      alwaysUseAccountNameAsSenderName: fields.alwaysUseAccountNameAsSenderName,
      appendToSent: fields.appendToSent,
      sentFolder: fields.sentFolder.trim() || null,
      // Only admins choose the default outgoing account; left out, a user's save keeps it as it is.
      ...(isAdmin ? { isDefaultOutgoing: fields.isDefaultOutgoing } : {}),
    };
  }

  async function testConnection() {
    setTest(null);
    await run(async () => {
      // What is on the screen, saved or not: a saved account's stored password stays in use where its servers did not move.
      setTest(
        await callApi<TestResult>(account ? `/api/v1/email-accounts/${account.id}/test` : "/api/v1/email-accounts/test", { method: "POST", body: payload() }),
      );
    }, "The test could not run");
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice(null);
    // With no sign-in chosen the API names the missing Connected App, next to the choices.
    await run(async () => {
      const saved = await callApi<PublicEmailAccount>(account ? `/api/v1/email-accounts/${account.id}` : "/api/v1/email-accounts", {
        method: account ? "PATCH" : "POST",
        body: payload(),
      });
      if (account) {
        setNotice("Saved.");
        router.refresh();
      } else {
        router.push(`/email-accounts/${saved.id}?created=1`);
      }
    }, "Could not save");
  }

  const back = (appId: string) => encodeURIComponent(account ? `/email-accounts/${account.id}` : `/email-accounts/new?app=${appId}`);
  const connectLink = (choice: ConnectionChoice, words: string) => (
    <a href={`/api/v1/connected-apps/${choice.appId}/connect?successUri=${back(choice.appId)}`}>{words}</a>
  );

  return (
    <form onSubmit={submit} noValidate>
      <fieldset aria-describedby={fieldErrors.connectedAppId ? "connectedAppId-error" : undefined}>
        <legend>How the mailbox signs in</legend>
        {choices.length === 0 && <p className="muted">No Connected App is set up yet: an admin adds one under Connected Apps. Until then, a password works.</p>}
        {choices.map((choice) => {
          const chosen = signIn.kind === "connection" && signIn.appId === choice.appId;
          const usable = choice.status === "active" || chosen;
          return (
            <div key={choice.appId} className="mt-2 flex flex-wrap items-center gap-x-2" data-testid="connection-choice">
              <label className="check m-0 font-normal">
                <input type="radio" name="signIn" value={choice.appId} checked={chosen} disabled={!usable} onChange={() => chooseConnection(choice)} />
                <span>
                  <strong>{choice.providerName}</strong>{" "}
                  {choice.status === "active" ? (
                    <span className="muted">connected{choice.providerEmail ? ` as ${choice.providerEmail}` : ""}</span>
                  ) : choice.status === "needs_reauth" ? (
                    <span className="text-warn">needs reconnecting</span>
                  ) : (
                    <span className="muted">not connected</span>
                  )}
                </span>
              </label>
              {choice.status !== "active" && connectLink(choice, choice.status === "needs_reauth" ? "Reconnect" : "Connect first")}
            </div>
          );
        })}
        <label className="check mt-2 font-normal">
          <input type="radio" name="signIn" value="password" checked={signIn.kind === "password"} onChange={() => setSignIn({ kind: "password" })} />
          <span>
            <strong>A password</strong> <span className="muted">(the mailbox&apos;s password, or an app password)</span>
          </span>
        </label>
        {isAdmin && choices.length > 0 && (
          <label className="check mt-2 font-normal">
            <input
              type="radio"
              name="signIn"
              value="app-only"
              checked={signIn.kind === "app-only"}
              onChange={() => setSignIn({ kind: "app-only", appId: signIn.kind === "connection" ? signIn.appId : choices[0]!.appId })}
            />
            <span>
              <strong>As the app itself</strong> <span className="muted">(a shared mailbox, with the app-only token; admins)</span>
            </span>
          </label>
        )}
        {signIn.kind === "app-only" && (
          <>
            <label htmlFor="appOnlyApp">Connected App</label>
            <select id="appOnlyApp" value={signIn.appId} onChange={(event) => setSignIn({ kind: "app-only", appId: event.target.value })}>
              {choices.map((choice) => (
                <option key={choice.appId} value={choice.appId}>
                  {choice.providerName}
                </option>
              ))}
            </select>
          </>
        )}
        <FieldError name="connectedAppId" errors={fieldErrors} />
      </fieldset>

      {signIn.kind === "password" && (
        <>
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            value={fields.password}
            placeholder={account?.passwordSet ? "saved (leave empty to keep it)" : ""}
            onChange={(event) => set("password", event.target.value)}
            {...describedBy("password", fieldErrors, account?.passwordSet ? "passwordHint" : undefined)}
          />
          {account?.passwordSet && (
            <p id="passwordHint" className="muted mt-1 text-sm">
              Changing a server&apos;s host, port or security removes the saved password unless you enter it again.
            </p>
          )}
          <FieldError name="password" errors={fieldErrors} />
        </>
      )}

      <label htmlFor="emailAddress">Email address</label>
      <input id="emailAddress" type="email" autoComplete="email" value={fields.emailAddress} required onChange={(event) => set("emailAddress", event.target.value)} {...describedBy("emailAddress", fieldErrors)} />
      <FieldError name="emailAddress" errors={fieldErrors} />
      <label htmlFor="displayName">Display name (shown to the people you write to)</label>
      <input id="displayName" autoComplete="name" value={fields.displayName} onChange={(event) => set("displayName", event.target.value)} />

      <details className="mt-4" open={serversOpen || Boolean(fieldErrors.imap || fieldErrors.smtp)} onToggle={(event) => setServersOpen(event.currentTarget.open)}>
        <summary className="cursor-pointer font-semibold">
          Servers: <span className="font-normal break-all">{fields.imap.host ? `${fields.imap.host} and ${fields.smtp.host}` : "not set yet"}</span>
        </summary>
        <div className="actions mt-2">
          <span className="muted">Fill in:</span>
          {(Object.keys(MAIL_SERVER_PRESETS) as MailServerPreset[]).map((name) => (
            <button key={name} type="button" className="secondary mt-0" onClick={() => applyPreset(name)}>
              {MAIL_SERVER_PRESETS[name].label}
            </button>
          ))}
        </div>
        <EndpointFields side="imap" value={fields.imap} onChange={(next) => set("imap", next)} errors={fieldErrors} />
        <EndpointFields side="smtp" value={fields.smtp} onChange={(next) => set("smtp", next)} errors={fieldErrors} />
      </details>

      <details className="mt-4">
        <summary className="cursor-pointer font-semibold">Advanced settings</summary>
        <fieldset>
          <legend>Logins</legend>
          <p className="muted m-0 text-sm">Empty: the email address. A shared mailbox signs in to IMAP as the mailbox, and to SMTP as the sending user or the mailbox.</p>
          <label htmlFor="imap-login">IMAP login</label>
          <input id="imap-login" value={fields.imap.login} placeholder={fields.emailAddress} onChange={(event) => set("imap", { ...fields.imap, login: event.target.value })} />
          <label htmlFor="smtp-login">SMTP login</label>
          <input id="smtp-login" value={fields.smtp.login} placeholder={fields.emailAddress} onChange={(event) => set("smtp", { ...fields.smtp, login: event.target.value })} />
        </fieldset>

        <fieldset>
          <legend>Reading</legend>
          <Check checked={fields.enableIncoming} onChange={(value) => set("enableIncoming", value)}>
            Read this mailbox
          </Check>
          <p className="mt-3 mb-0 font-semibold" id="folders-label">
            Folders to sync
          </p>
          {serverFolders ? (
            <div role="group" aria-labelledby="folders-label" className="grid gap-x-4 sm:grid-cols-2">
              {serverFolders.map((folder) => (
                <Check
                  key={folder.path}
                  checked={fields.folders.includes(folder.path)}
                  onChange={(value) => set("folders", value ? [...fields.folders, folder.path] : fields.folders.filter((other) => other !== folder.path))}
                >
                  {folder.path}
                  {folder.specialUse && <span className="muted"> ({folder.specialUse.replace("\\", "")})</span>}
                </Check>
              ))}
            </div>
          ) : (
            <>
              <label htmlFor="folders" className="sr-only">
                Folders to sync
              </label>
              <input
                id="folders"
                value={fields.folders.join(", ")}
                onChange={(event) => set("folders", event.target.value.split(",").map((folder) => folder.trim()).filter(Boolean))}
                {...describedBy("folders", fieldErrors, "folders-hint")}
              />
              <p id="folders-hint" className="muted mt-1 text-sm">
                Comma-separated. <strong>Test connection</strong> lists the server&apos;s folders to pick from.
              </p>
            </>
          )}
          <FieldError name="folders" errors={fieldErrors} />
          <Check checked={fields.useIdle} onChange={(value) => set("useIdle", value)}>
            New mail in INBOX within seconds (IMAP IDLE)
          </Check>
          <label htmlFor="poll">Check the other folders every (seconds)</label>
          <input id="poll" type="number" min={10} value={fields.pollIntervalSeconds} onChange={(event) => set("pollIntervalSeconds", Number(event.target.value))} {...describedBy("pollIntervalSeconds", fieldErrors)} />
          <FieldError name="pollIntervalSeconds" errors={fieldErrors} />
          <div className="grid gap-x-3 sm:grid-cols-2">
            <div>
              <label htmlFor="since">First sync: messages since</label>
              <input id="since" type="date" value={fields.initialSince} onChange={(event) => set("initialSince", event.target.value)} />
            </div>
            <div>
              <label htmlFor="newest">or the newest N messages</label>
              <input id="newest" type="number" min={1} value={fields.initialNewest} onChange={(event) => set("initialNewest", event.target.value)} />
            </div>
          </div>
          <FieldError name="initialSync" errors={fieldErrors} />
        </fieldset>

        <fieldset>
          <legend>Sending</legend>
          <Check checked={fields.enableOutgoing} onChange={(value) => set("enableOutgoing", value)}>
            Send from this account
          </Check>
          <div className="grid gap-x-3 sm:grid-cols-2">
            <div>
              <label htmlFor="perMinute">Messages per minute</label>
              <input id="perMinute" type="number" min={1} value={fields.perMinute} onChange={(event) => set("perMinute", Number(event.target.value))} />
            </div>
            <div>
              <label htmlFor="connections">Connections at once</label>
              <input id="connections" type="number" min={1} value={fields.connections} onChange={(event) => set("connections", Number(event.target.value))} />
            </div>
          </div>
          <FieldError name="sendLimits" errors={fieldErrors} />
          <Check checked={fields.appendToSent} onChange={(value) => set("appendToSent", value)}>
            Put a copy of what is sent in the Sent folder (Gmail and Microsoft 365 do it themselves: leave this off for them)
          </Check>
          {fields.appendToSent && (
            <>
              <label htmlFor="sentFolder">Sent folder (empty: the one the server names)</label>
              {serverFolders ? (
                <select id="sentFolder" value={fields.sentFolder} onChange={(event) => set("sentFolder", event.target.value)}>
                  <option value="">The server&apos;s Sent folder</option>
                  {serverFolders.map((folder) => (
                    <option key={folder.path} value={folder.path}>
                      {folder.path}
                    </option>
                  ))}
                </select>
              ) : (
                <input id="sentFolder" value={fields.sentFolder} onChange={(event) => set("sentFolder", event.target.value)} {...describedBy("sentFolder", fieldErrors)} />
              )}
              <FieldError name="sentFolder" errors={fieldErrors} />
            </>
          )}
          <Check checked={fields.alwaysUseAccountAddressAsSender} onChange={(value) => set("alwaysUseAccountAddressAsSender", value)}>
            Always send from this account&apos;s address (a requested sender goes to Reply-To and X-Original-From)
          </Check>
          <Check checked={fields.alwaysUseAccountNameAsSenderName} onChange={(value) => set("alwaysUseAccountNameAsSenderName", value)}>
            Always use this account&apos;s display name
          </Check>
          {isAdmin && (
            <Check checked={fields.isDefaultOutgoing} onChange={(value) => set("isDefaultOutgoing", value)}>
              Default outgoing account (sends the app&apos;s own e-mails, e.g. reconnect reminders)
            </Check>
          )}
        </fieldset>
      </details>

      <div className="actions mt-4">
        <button type="submit" className="mt-0" disabled={busy}>
          {account ? "Save" : "Create"}
        </button>
        <button type="button" className="secondary mt-0" disabled={busy || signIn.kind === "none"} onClick={testConnection}>
          {busy ? "Working…" : "Test connection"}
        </button>
      </div>
      {test && (
        <div data-testid="connection-test" role="status">
          {(["imap", "smtp"] as const).map((side) => (
            <p key={side} className={test[side].ok ? "notice" : "error"}>
              {side.toUpperCase()}: {test[side].ok ? "signed in" : `${test[side].error}${test[side].hint ? ` ${test[side].hint}` : ""}`}
            </p>
          ))}
          {test.imap.folders && <p className="muted text-sm">The server&apos;s folders are listed under Advanced settings.</p>}
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ActionError message={error} />
    </form>
  );
}
