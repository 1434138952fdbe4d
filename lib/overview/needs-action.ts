import type { Db } from "#lib/db";
import type { Prisma } from "#lib/generated/prisma/client";
import { missingInWords } from "#lib/connected-apps/app-completeness";
import { SECRET_EXPIRY_WARNING_DAYS } from "#lib/connected-apps/to-public-connected-app";
import { listMailWorkers } from "#lib/mail/list-mail-workers";

/** One thing that needs a person, and where to deal with it. */
export interface ActionItem {
  title: string;
  detail: string;
  href: string;
  /** When it happened or falls due (ISO), if that helps. */
  at: string | null;
}

/** Things of one kind: the first few, how many there are, and where to see them all. */
export interface ActionGroup {
  kind: "apps" | "connections" | "mail_accounts" | "outbound" | "workers";
  heading: string;
  count: number;
  items: ActionItem[];
  /** A page listing all of them, when `count` exceeds the items shown. */
  allHref: string | null;
}

const SHOWN = 5;
/** A failed message older than this is history, not a task. */
const FAILED_OUTBOUND_DAYS = 7;

/**
 * What needs action, for the dashboard. An admin sees everything (apps and
 * workers too); a user sees their own connections, mail accounts and mail.
 * Empty groups are left out.
 */
export async function needsAction(db: Db, viewer: { id: string; role: string }, now = new Date()): Promise<ActionGroup[]> {
  const admin = viewer.role === "admin";
  const groups = await Promise.all([
    admin ? appsNeedingAction(db, now) : null,
    connectionsNeedingReauth(db, admin ? null : viewer.id),
    pausedMailAccounts(db, admin ? null : viewer.id),
    failedOutbound(db, admin ? null : viewer.id, now),
    admin ? goneWorkers(db) : null,
  ]);
  return groups.filter((group): group is ActionGroup => group !== null && group.count > 0);
}

async function appsNeedingAction(db: Db, now: Date): Promise<ActionGroup> {
  const soon = new Date(now.getTime() + SECRET_EXPIRY_WARNING_DAYS * 86_400_000);
  const apps = await db.connectedApp.findMany({
    where: { OR: [{ status: "misconfigured" }, { clientSecretExpiresAt: { lt: soon } }, { clientId: null }, { authorizationUri: null }, { tokenUri: null }] },
    orderBy: { providerName: "asc" },
  });
  const items = apps.map((app): ActionItem => {
    const href = `/admin/connected-apps/${app.id}`;
    if (app.status === "misconfigured") {
      return { title: `${app.providerName} is misconfigured`, detail: app.statusMessage ?? "The provider refused its client id or secret.", href, at: app.updatedAt.toISOString() };
    }
    const missing = missingInWords(app);
    if (missing) {
      return { title: `${app.providerName} is not set up yet`, detail: `It still needs ${missing}; users are not offered it until then.`, href, at: null };
    }
    const expired = app.clientSecretExpiresAt! < now;
    return {
      title: `The client secret of ${app.providerName} ${expired ? "has expired" : "expires soon"}`,
      detail: "Create a new secret at the provider and paste its value into the app.",
      href,
      at: app.clientSecretExpiresAt!.toISOString(),
    };
  });
  return { kind: "apps", heading: "Connected Apps", count: items.length, items: items.slice(0, SHOWN), allHref: items.length > SHOWN ? "/admin/connected-apps" : null };
}

async function connectionsNeedingReauth(db: Db, ownerId: string | null): Promise<ActionGroup> {
  const where: Prisma.TokenCacheWhereInput = { status: "needs_reauth", ...(ownerId ? { userId: ownerId } : {}) };
  const [count, rows] = await Promise.all([
    db.tokenCache.count({ where }),
    db.tokenCache.findMany({
      where,
      include: { connectedApp: { select: { providerName: true } }, user: { select: { email: true } } },
      orderBy: { updatedAt: "desc" },
      take: SHOWN,
    }),
  ]);
  return {
    kind: "connections",
    heading: "Connections to reconnect",
    count,
    items: rows.map((row) => ({
      title: ownerId ? `${row.connectedApp.providerName}: reconnect` : `${row.user?.email ?? "App-only token"} · ${row.connectedApp.providerName}`,
      detail: row.lastError ?? "The provider no longer accepts this connection.",
      href: ownerId ? `/connections#${row.connectedAppId}` : `/admin/connections?status=needs_reauth&app=${row.connectedAppId}`,
      at: row.updatedAt.toISOString(),
    })),
    allHref: count > SHOWN ? (ownerId ? "/connections" : "/admin/connections?status=needs_reauth") : null,
  };
}

async function pausedMailAccounts(db: Db, ownerId: string | null): Promise<ActionGroup> {
  const where: Prisma.EmailAccountWhereInput = {
    OR: [
      { enableIncoming: true, incomingStatus: "paused" },
      { enableOutgoing: true, outgoingStatus: "paused" },
    ],
    ...(ownerId ? { ownerId } : {}),
  };
  const [count, rows] = await Promise.all([db.emailAccount.count({ where }), db.emailAccount.findMany({ where, orderBy: { updatedAt: "desc" }, take: SHOWN })]);
  return {
    kind: "mail_accounts",
    heading: "Mail accounts paused",
    count,
    items: rows.map((row) => {
      const reasons = [
        row.enableIncoming && row.incomingStatus === "paused" ? `Receiving: ${row.incomingPausedReason ?? "paused"}` : null,
        row.enableOutgoing && row.outgoingStatus === "paused" ? `Sending: ${row.outgoingPausedReason ?? "paused"}` : null,
      ].filter((reason): reason is string => reason !== null);
      return { title: row.emailAddress, detail: reasons.join(" · "), href: `/email-accounts/${row.id}`, at: row.updatedAt.toISOString() };
    }),
    allHref: count > SHOWN ? "/email-accounts" : null,
  };
}

async function failedOutbound(db: Db, ownerId: string | null, now: Date): Promise<ActionGroup> {
  const where: Prisma.OutboundMessageWhereInput = {
    status: "failed",
    updatedAt: { gt: new Date(now.getTime() - FAILED_OUTBOUND_DAYS * 86_400_000) },
    ...(ownerId ? { emailAccount: { ownerId } } : {}),
  };
  const [count, rows] = await Promise.all([
    db.outboundMessage.count({ where }),
    db.outboundMessage.findMany({
      where,
      select: { id: true, subject: true, toAddresses: true, lastError: true, updatedAt: true, emailAccountId: true, emailAccount: { select: { emailAddress: true } } },
      orderBy: { updatedAt: "desc" },
      take: SHOWN,
    }),
  ]);
  return {
    kind: "outbound",
    heading: `Mail that could not be sent (last ${FAILED_OUTBOUND_DAYS} days)`,
    count,
    items: rows.map((row) => ({
      title: `“${row.subject || "(no subject)"}” to ${row.toAddresses.join(", ") || "nobody"}`,
      detail: `From ${row.emailAccount.emailAddress}: ${row.lastError ?? "failed"}`,
      href: `/email-accounts/${row.emailAccountId}`,
      at: row.updatedAt.toISOString(),
    })),
    allHref: null,
  };
}

async function goneWorkers(db: Db): Promise<ActionGroup> {
  const [workers, accounts] = await Promise.all([
    listMailWorkers(db),
    db.emailAccount.count({ where: { enableIncoming: true, incomingStatus: { not: "paused" } } }),
  ]);
  const alive = workers.filter((worker) => worker.alive).length;
  const items: ActionItem[] = workers
    .filter((worker) => !worker.alive)
    .map((worker) => ({
      title: `Mail worker ${worker.hostname} (pid ${worker.pid}) is gone`,
      detail: "It stopped without saying goodbye (a crash, a kill or a lost host); its accounts move to the workers still running.",
      href: "/#workers",
      at: worker.heartbeatAt,
    }));
  if (alive === 0 && accounts > 0) {
    items.unshift({
      title: "No mail worker is running",
      detail: `${accounts} mail account${accounts === 1 ? "" : "s"} wait${accounts === 1 ? "s" : ""} for one: start it with npm run worker (or npm start).`,
      href: "/#workers",
      at: null,
    });
  }
  return { kind: "workers", heading: "Mail workers", count: items.length, items: items.slice(0, SHOWN), allHref: null };
}
