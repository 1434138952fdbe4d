import type { ReactNode } from "react";
import type { PublicConnectedApp } from "#lib/connected-apps/schemas";
import { isMultiTenantAuthority } from "#lib/connected-apps/presets";
import { CopyButton } from "./copy-button";

/** A value of ours to paste at the provider, with a button that copies it. */
function Paste({ value, label }: { value: string; label: string }) {
  return (
    <span className="my-1 flex flex-wrap items-center gap-2">
      <code data-testid={`paste-${label}`}>{value}</code>
      <CopyButton text={value} label={`Copy ${label}`} />
    </span>
  );
}

/** The last step of a mail provider's guide: from a connection to a syncing mailbox. */
function MailboxStep({ app, servers }: { app: PublicConnectedApp; servers: string }) {
  return (
    <li>
      For mail: once connected, each user adds their mailbox under <a href="/email-accounts/new">Email accounts → New email account</a>, with the{" "}
      <em>{servers}</em> servers and <em>{app.providerName}</em> as the Connected App; <strong>Test connection</strong>, create, and the worker starts
      syncing within seconds.
    </li>
  );
}

function Steps({ children }: { children: ReactNode }) {
  return <ol className="list-decimal space-y-3 pl-5">{children}</ol>;
}

/**
 * What to click and paste at the provider, in the provider's own words and
 * order, filled in with this app's values (the Redirect URI, scopes, ids).
 * The Redirect URI comes first because the providers ask for it before they
 * hand out a client id.
 */
export function SetupGuide({ app }: { app: PublicConnectedApp }) {
  if (app.preset === "microsoft") return <MicrosoftGuide app={app} />;
  if (app.preset === "google") return <GoogleGuide app={app} />;
  return <GenericGuide app={app} />;
}

function MicrosoftGuide({ app }: { app: PublicConnectedApp }) {
  const tenant = app.tenant ?? "common";
  const clientId = app.clientId ?? "<Application (client) ID>";
  const singleTenant = !isMultiTenantAuthority(app.tenant);
  return (
    <div data-testid="setup-guide">
      <h2>Set it up in Microsoft Entra</h2>
      <Steps>
        <li>
          Open the <strong>Microsoft Entra admin center</strong> (entra.microsoft.com) → <strong>Identity</strong> → <strong>Applications</strong> →{" "}
          <strong>App registrations</strong> → <strong>New registration</strong>. Give it a name people recognise, e.g. “{app.providerName} mail”.
        </li>
        <li>
          <strong>Supported account types</strong>: for your own organisation&apos;s mailboxes, choose{" "}
          <em>Accounts in this organizational directory only (Single tenant)</em> and put its <strong>Directory (tenant) ID</strong> in the
          Tenant field here. <em>Multitenant</em> means tenant <code>organizations</code>; adding personal Microsoft accounts means{" "}
          <code>common</code>. Shared mailboxes read as the app itself need a single tenant.
        </li>
        <li>
          <strong>Redirect URI</strong>: select the platform <strong>Web</strong> (not “Single-page application”, whose refresh tokens last 24 hours)
          and paste:
          <Paste value={app.redirectUri} label="Redirect URI" />
          Then <strong>Register</strong>.
        </li>
        <li>
          On the app&apos;s <strong>Overview</strong>, copy the <strong>Application (client) ID</strong> into <em>Client ID</em> here, and the{" "}
          <strong>Directory (tenant) ID</strong> into <em>Tenant</em> (single tenant).
        </li>
        <li>
          <strong>Certificates &amp; secrets</strong> → <strong>Client secrets</strong> → <strong>New client secret</strong>, with an expiry.
          Copy the <strong>Value</strong> column (shown only now), not the <em>Secret ID</em>, into <em>Client secret</em> here, and its expiry
          date into <em>Client secret expires on</em>: you are told 30 days before.
        </li>
        <li>
          <strong>API permissions</strong> → <strong>Add a permission</strong> → <strong>Microsoft Graph</strong> → <strong>Delegated permissions</strong>:{" "}
          <code>IMAP.AccessAsUser.All</code>, <code>SMTP.Send</code>, <code>offline_access</code>, <code>openid</code>, <code>email</code> →{" "}
          <strong>Add permissions</strong>. The app asks for exactly these scopes:
          <Paste value={app.scopes.join(" ")} label="scopes" />
        </li>
        <li>
          Grant consent for everyone at once: <strong>Grant admin consent for …</strong> on the same page
          {app.adminConsentUrl ? (
            <>
              , or send a tenant admin this link:
              <Paste value={app.adminConsentUrl} label="admin consent link" />
            </>
          ) : (
            " (the consent link appears here once the client id is saved)."
          )}{" "}
          Without it, each user consents when they connect, if the tenant allows it.
        </li>
        <li>
          Save the client id, secret and tenant here, then <strong>Check this app</strong>. Users then see <em>Connect to {app.providerName}</em> under{" "}
          <em>My connections</em>.
        </li>
        <MailboxStep app={app} servers="Microsoft 365 / Exchange Online" />
      </Steps>
      <details className="mt-4">
        <summary className="cursor-pointer font-semibold">Shared mailboxes read and sent as the app (no user)</summary>
        <Steps>
          <li>
            The Tenant here must be your tenant id or domain{singleTenant ? "" : " (it is now “" + tenant + "”: change it)"}: app-only tokens belong to
            one tenant.
          </li>
          <li>
            <strong>API permissions</strong> → <strong>Add a permission</strong> → <strong>APIs my organization uses</strong> →{" "}
            <strong>Office 365 Exchange Online</strong> → <strong>Application permissions</strong>: <code>IMAP.AccessAsApp</code> and{" "}
            <code>SMTP.SendAsApp</code> (<code>Mail.Send</code> is Graph&apos;s, not used here) → <strong>Grant admin consent</strong>.
          </li>
          <li>
            Find the <strong>Enterprise application</strong>&apos;s object id: Entra → <strong>Enterprise applications</strong> → the app →{" "}
            <strong>Overview</strong> → <strong>Object ID</strong>. It is not the Object ID on the App registration page.
          </li>
          <li>
            In Exchange Online PowerShell, with that object id and the shared mailbox&apos;s address:
            <pre className="my-2 rounded bg-slate-100 p-3 text-sm" data-testid="powershell">
              {`Connect-ExchangeOnline -Organization ${singleTenant ? tenant : "<your tenant domain>"}
New-ServicePrincipal -AppId ${clientId} -ObjectId <Enterprise application Object ID> -DisplayName "${app.providerName}"
Add-MailboxPermission -Identity "shared@yourdomain" -User <Enterprise application Object ID> -AccessRights FullAccess
Add-RecipientPermission -Identity "shared@yourdomain" -Trustee <Enterprise application Object ID> -AccessRights SendAs
Set-CASMailbox -Identity "shared@yourdomain" -SmtpClientAuthenticationDisabled $false`}
            </pre>
          </li>
          <li>
            Add an Email account for the mailbox with <em>Authenticate as service principal</em> (admins only).
          </li>
        </Steps>
      </details>
    </div>
  );
}

function GoogleGuide({ app }: { app: PublicConnectedApp }) {
  return (
    <div data-testid="setup-guide">
      <h2>Set it up in Google Cloud</h2>
      <Steps>
        <li>
          Open the <strong>Google Cloud console</strong> (console.cloud.google.com) and pick or create a project.
        </li>
        <li>
          <strong>APIs &amp; Services</strong> → <strong>OAuth consent screen</strong> (Google Auth Platform). Audience <strong>Internal</strong> lets only
          your Workspace domain in, with no review. <strong>External</strong> starts in <strong>Testing</strong>: add every address that will connect as a{" "}
          <strong>test user</strong>, and know that Google ends refresh tokens of apps in Testing after <strong>7 days</strong> (users then reconnect) until
          you <strong>publish</strong> the app. The Gmail scope is restricted: a published external app needs Google&apos;s verification.
        </li>
        <li>
          Under <strong>Data access</strong> (scopes), add exactly:
          <Paste value="https://mail.google.com/" label="Gmail scope" />
          with <code>openid</code> and <code>email</code>. The app asks for:
          <Paste value={app.scopes.join(" ")} label="scopes" />
        </li>
        <li>
          <strong>Clients</strong> (Credentials) → <strong>Create client</strong> → application type <strong>Web application</strong>. Under{" "}
          <strong>Authorized redirect URIs</strong> add:
          <Paste value={app.redirectUri} label="Redirect URI" />
        </li>
        <li>
          Copy the <strong>Client ID</strong> and <strong>Client secret</strong> into the fields here and save.
        </li>
        <li>
          Keep the extra parameters <code>access_type=offline</code> and <code>prompt=consent</code>: without them Google gives a refresh token only on
          the first consent, and connections end after an hour.
        </li>
        <li>
          <strong>Check this app</strong>, then users see <em>Connect to {app.providerName}</em> under <em>My connections</em>.
        </li>
        <MailboxStep app={app} servers="Gmail / Google Workspace" />
      </Steps>
    </div>
  );
}

function GenericGuide({ app }: { app: PublicConnectedApp }) {
  return (
    <div data-testid="setup-guide">
      <h2>Set it up at the provider</h2>
      <Steps>
        <li>
          Register a client (a “web application” or “confidential client”) at the provider, with this Redirect URI:
          <Paste value={app.redirectUri} label="Redirect URI" />
        </li>
        <li>
          Paste the provider&apos;s <strong>OpenID configuration URL</strong> (it ends in <code>/.well-known/openid-configuration</code>) and click{" "}
          <strong>Get OpenID Configuration</strong>: the endpoints fill in. Without one, type the endpoints.
        </li>
        <li>Copy the client id and secret the provider gave into the fields here; add the scopes the provider documents.</li>
        <li>
          Save and <strong>Check this app</strong>; users then see <em>Connect to {app.providerName}</em>.
        </li>
      </Steps>
    </div>
  );
}
