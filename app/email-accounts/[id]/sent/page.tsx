import { z } from "zod";
import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { emailAccountForPage } from "#lib/email-accounts/email-account-for-page";
import { explainDelivery } from "#lib/outbound/explain-delivery";
import { listSentMessages } from "#lib/outbound/list-sent-messages";
import { timeCursor } from "#lib/paging";
import { parseFilters } from "#lib/validation";
import { AccountTabs } from "#components/account-tabs";
import { formatBytes } from "#components/format-bytes";
import { IgnoredFilters } from "#components/ignored-filters";
import { LocalTime } from "#components/local-time";
import { Pager } from "#components/pager";
import { RefreshWhile } from "#components/refresh-while";
import { SentMessageActions } from "#components/sent-message-actions";

export const metadata = { title: "Sent · Connected Apps" };

const filterSchema = z.object({ cursor: timeCursor, queued: z.uuid() });

const TONE = { done: "text-ok", waiting: "text-warn", failed: "text-bad", stopped: "text-muted" } as const;

/** What the account sent through the app, newest first, each with its delivery in words. */
export default async function SentPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const account = await emailAccountForPage(db(), id, user);
  const { filters, ignored } = parseFilters(filterSchema, await searchParams);
  const page = await listSentMessages(db(), id, user, { cursor: filters.cursor });
  const justQueued = filters.queued ? page.items.find((item) => item.id === filters.queued) : undefined;
  const moving = page.items.some((item) => item.status === "queued" || item.status === "sending");
  return (
    <section className="card">
      <AccountTabs accountId={id} address={account.emailAddress} current="sent" />
      <h1>Sent from {account.emailAddress}</h1>
      <IgnoredFilters names={ignored.filter((name) => name !== "queued")} />
      {justQueued && (
        <p className="banner ok" role="status" data-testid="queued-banner">
          Your message “{justQueued.subject}” is on its way; its delivery shows below.
        </p>
      )}
      {/* While anything is queued or being sent, the list follows it. */}
      <RefreshWhile active={moving} everyMs={2_000} />
      {page.items.length === 0 ? (
        <p className="muted">Nothing sent from this account through the app yet.</p>
      ) : (
        <ul className="divide-y divide-line" data-testid="sent-list">
          {page.items.map((message) => {
            const delivery = explainDelivery(message);
            return (
              <li key={message.id} className="py-3" data-testid="sent-row" data-status={message.status}>
                <div className="row justify-between">
                  <strong className="min-w-0 break-words">{message.subject}</strong>
                  <span className="muted text-sm">
                    <LocalTime iso={message.sentAt ?? message.createdAt} compact />
                  </span>
                </div>
                <p className="muted m-0 text-sm break-words">
                  To {[...message.to, ...message.cc].join(", ")}
                  {message.bcc.length > 0 && ` · Bcc ${message.bcc.join(", ")}`}
                  {message.attachments.length > 0 &&
                    ` · ${message.attachments.length} file${message.attachments.length > 1 ? "s" : ""} (${formatBytes(message.attachments.reduce((sum, file) => sum + file.size, 0))})`}
                </p>
                <p className={`m-0 mt-1 ${TONE[delivery.tone]}`} data-testid="delivery">
                  {delivery.words}
                  {delivery.retryAt && (
                    <>
                      {" "}
                      at <LocalTime iso={delivery.retryAt} />
                    </>
                  )}
                  {delivery.reason && ` — ${delivery.reason}`}
                </p>
                <div className="actions mt-1">
                  {message.attempts.length > 0 && (
                    <details className="text-sm">
                      <summary className="cursor-pointer">
                        {message.attempts.length} attempt{message.attempts.length > 1 ? "s" : ""}
                      </summary>
                      <ul className="mt-1 space-y-1">
                        {message.attempts.map((attempt) => (
                          <li key={attempt.at} className="break-words">
                            <LocalTime iso={attempt.at} />: {attempt.ok ? "accepted" : "refused"} — <code>{attempt.response}</code>
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                  {(message.status === "queued" || message.status === "failed") && <SentMessageActions id={message.id} subject={message.subject} />}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <Pager path={`/email-accounts/${id}/sent`} filters={{}} nextCursor={page.nextCursor} atStart={!filters.cursor} />
    </section>
  );
}
