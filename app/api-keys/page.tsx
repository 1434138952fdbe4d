import Link from "next/link";
import { z } from "zod";
import { db } from "#lib/db";
import { env } from "#lib/env";
import { requirePageUser } from "#lib/auth/current-user";
import { listApiKeys } from "#lib/api-keys/list-api-keys";
import { parseFilters } from "#lib/validation";
import { CreateApiKeyForm } from "#components/create-api-key-form";
import { IgnoredFilters } from "#components/ignored-filters";
import { LocalTime } from "#components/local-time";
import { RevokeApiKeyButton } from "#components/revoke-api-key-button";

export const metadata = { title: "API keys · Connected Apps" };

const filterSchema = z.object({ user: z.uuid() });

const STATUS_TONES = { active: "ok", expired: "warn", revoked: "bad" } as const;

/** Each person's API keys for the REST API (admins see everyone's): make one, see its use, revoke it. */
export default async function ApiKeysPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const admin = user.role === "admin";
  const { filters, ignored } = parseFilters(filterSchema, await searchParams);
  const keys = await listApiKeys(db(), user, filters.user);
  const owners = admin ? new Map((await db().user.findMany({ where: { id: { in: [...new Set(keys.map((key) => key.userId))] } }, select: { id: true, email: true } })).map((owner) => [owner.id, owner.email])) : null;
  const example = `curl -H "Authorization: Bearer $API_KEY" ${env().APP_URL}/api/v1/connected-apps/APP_ID/token`;
  return (
    <>
      <section className="card">
        <h1>API keys</h1>
        <p className="muted">
          A key lets a service act as you on the REST API, for example to get a fresh access token of your connection (each Connected App&apos;s page shows its id and a
          ready line). It stops working when it expires, when you revoke it, or when your account is disabled.
        </p>
        <p>
          <code className="inline-block">{example}</code>
        </p>
        <h2>New key</h2>
        <CreateApiKeyForm />
      </section>
      <section className="card">
        <h2>{admin ? (filters.user ? `Keys of ${owners?.get(filters.user) ?? "this user"}` : "Everyone's keys") : "Your keys"}</h2>
        <IgnoredFilters names={ignored} />
        {admin && filters.user && (
          <p>
            <Link href="/api-keys">Show everyone&apos;s</Link>
          </p>
        )}
        {keys.length === 0 ? (
          <p className="muted">No key yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  {owners && <th scope="col">Owner</th>}
                  <th scope="col">Starts with</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id} data-testid="api-key-row">
                    <td data-label="Name">{key.name}</td>
                    {owners && (
                      <td data-label="Owner" className="break-all">
                        {owners.get(key.userId) ?? "—"}
                      </td>
                    )}
                    <td data-label="Starts with">
                      <code>{key.prefix}…</code>
                    </td>
                    <td data-label="Status">
                      <span className={`badge ${STATUS_TONES[key.status]}`}>{key.status}</span>
                    </td>
                    <td data-label="Created">
                      <LocalTime iso={key.createdAt} />
                    </td>
                    <td data-label="Expires">
                      <LocalTime iso={key.expiresAt} fallback="never" />
                    </td>
                    <td data-label="Last used">
                      <LocalTime iso={key.lastUsedAt} fallback="never" />
                    </td>
                    <td>{key.status === "active" && <RevokeApiKeyButton id={key.id} name={key.name} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
