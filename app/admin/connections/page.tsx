import Link from "next/link";
import { z } from "zod";
import { db } from "#lib/db";
import { requirePageAdmin } from "#lib/auth/current-user";
import { listConnections } from "#lib/tokens/list-connections";
import { parseFilters } from "#lib/validation";
import { ConnectionsTable } from "#components/connections-table";
import { IgnoredFilters } from "#components/ignored-filters";
import { Pager } from "#components/pager";

export const metadata = { title: "All connections · Connected Apps" };

const filterSchema = z.object({
  app: z.uuid(),
  user: z.uuid(),
  status: z.enum(["active", "needs_reauth", "disconnected"]),
  cursor: z.uuid(),
});

const STATUSES = [
  ["active", "connected"],
  ["needs_reauth", "needs reconnect"],
  ["disconnected", "disconnected"],
] as const;

/** Every user's connections (the token cache, never a token), filtered by app, user and status. */
export default async function AllConnectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAdmin();
  const { filters, ignored } = parseFilters(filterSchema, await searchParams);
  const [apps, users, page] = await Promise.all([
    db().connectedApp.findMany({ select: { id: true, providerName: true }, orderBy: { providerName: "asc" } }),
    db().user.findMany({ select: { id: true, email: true }, orderBy: { email: "asc" } }),
    listConnections(db(), { connectedAppId: filters.app, userId: filters.user, status: filters.status, cursor: filters.cursor, limit: 50 }),
  ]);
  const filtered = Boolean(filters.app || filters.user || filters.status);
  return (
    <section className="card">
      <h1>All connections</h1>
      <p className="muted">Every user&apos;s connections and their state. Tokens never leave the server; disconnecting erases them and revokes them at the provider where it allows that.</p>
      <IgnoredFilters names={ignored} />
      {/* Keyed by the filters: after "Clear filters" (a client-side navigation) the fields show what is applied, not what was. */}
      <form method="get" className="filters" aria-label="Filter connections" key={`${filters.app}-${filters.user}-${filters.status}`}>
        <div>
          <label htmlFor="app">App</label>
          <select id="app" name="app" defaultValue={filters.app ?? ""}>
            <option value="">All apps</option>
            {apps.map((app) => (
              <option key={app.id} value={app.id}>
                {app.providerName}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="user">User</label>
          <select id="user" name="user" defaultValue={filters.user ?? ""}>
            <option value="">All users</option>
            {users.map((user) => (
              <option key={user.id} value={user.id}>
                {user.email}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filters.status ?? ""}>
            <option value="">Any status</option>
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit">Filter</button>
          {filtered && (
            <Link href="/admin/connections" prefetch={false}>
              Clear filters
            </Link>
          )}
        </div>
      </form>
      {page.items.length === 0 && filtered ? (
        <p className="muted" data-testid="no-match">
          No connection matches these filters.
        </p>
      ) : (
        <ConnectionsTable connections={page.items} show={{ user: true, app: true, disconnect: true }} />
      )}
      <Pager path="/admin/connections" filters={{ app: filters.app, user: filters.user, status: filters.status }} nextCursor={page.nextCursor} atStart={!filters.cursor} />
    </section>
  );
}
