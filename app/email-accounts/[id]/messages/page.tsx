import Link from "next/link";
import { z } from "zod";
import { db } from "#lib/db";
import { requirePageUser } from "#lib/auth/current-user";
import { emailAccountForPage } from "#lib/email-accounts/email-account-for-page";
import { countUnreadByFolder, listMessages } from "#lib/messages/list-messages";
import { parseFilters } from "#lib/validation";
import { AccountTabs } from "#components/account-tabs";
import { IgnoredFilters } from "#components/ignored-filters";
import { LocalTime } from "#components/local-time";
import { Pager } from "#components/pager";
import { SyncNowButton } from "#components/sync-now-button";
import { PaperclipIcon } from "#components/ui/paperclip-icon";

export const metadata = { title: "Messages · Connected Apps" };

const PAGE_SIZE = 50;

const filterSchema = z.object({
  folder: z.string().min(1).max(255),
  search: z.string().trim().min(1).max(200),
  unread: z.literal("1"),
  cursor: z.string().regex(/^\d{1,10}:\d{1,10}$/),
});

/** A folder's messages, newest first: sender, subject, the first words, date, files, unread; searched on the server. */
export default async function MessagesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const account = await emailAccountForPage(db(), id, user);
  const { filters, ignored } = parseFilters(filterSchema, await searchParams);
  const folder = filters.folder ?? "INBOX";
  const [page, unread] = await Promise.all([
    listMessages(db(), { emailAccountId: id, caller: user, folder, limit: PAGE_SIZE, cursor: filters.cursor, search: filters.search, unread: filters.unread === "1" }),
    countUnreadByFolder(db(), id),
  ]);
  const folders = account.folders.includes(folder) ? account.folders : [...account.folders, folder];
  const base = `/email-accounts/${id}/messages`;
  return (
    <section className="card">
      <AccountTabs accountId={id} address={account.emailAddress} current="messages" />
      <div className="row">
        <h1 className="mb-0 min-w-0 flex-1 break-words">{account.emailAddress}</h1>
        <SyncNowButton accountId={id} />
      </div>
      <p className="muted text-sm">
        {account.messagesSynced} synced · last sync <LocalTime iso={account.lastSyncAt?.toISOString() ?? null} fallback="never" />
      </p>
      <nav aria-label="Folders" className="mb-3 flex flex-wrap gap-x-4 gap-y-1">
        {folders.map((name) => (
          <Link key={name} href={`${base}?folder=${encodeURIComponent(name)}`} aria-current={name === folder ? "page" : undefined} className={name === folder ? "font-bold" : undefined}>
            {name}
            {(unread.get(name) ?? 0) > 0 && <span className="badge ml-1">{unread.get(name)} unread</span>}
          </Link>
        ))}
      </nav>
      <IgnoredFilters names={ignored} />
      {/* Keyed by the search: after a client-side navigation the fields show what is applied. */}
      <form method="get" role="search" aria-label="Search messages" className="row mb-3" key={`${folder}-${filters.search}-${filters.unread}`}>
        <input type="hidden" name="folder" value={folder} />
        <label htmlFor="search" className="sr-only">
          Search by sender or subject
        </label>
        <input id="search" name="search" type="search" placeholder="Search by sender or subject" defaultValue={filters.search ?? ""} />
        <label className="flex items-center gap-1 font-normal">
          <input type="checkbox" name="unread" value="1" defaultChecked={filters.unread === "1"} className="w-auto min-w-0 flex-none" /> Unread only
        </label>
        <button type="submit">Search</button>
        {(filters.search || filters.unread) && (
          <Link href={`${base}?folder=${encodeURIComponent(folder)}`} prefetch={false}>
            Clear
          </Link>
        )}
      </form>
      {page.items.length === 0 ? (
        <p className="muted" data-testid="no-messages">
          {filters.search || filters.unread ? "No message in this folder matches." : "No messages here yet."}
        </p>
      ) : (
        <ul className="divide-y divide-line" aria-label={`Messages in ${folder}`}>
          {page.items.map((message) => (
            <li key={message.id} data-testid="message-row" data-unread={message.seen ? undefined : "1"} className={`py-2 ${message.seen ? "" : "font-semibold"}`}>
              <div className="row justify-between">
                {/* At least 12rem for the sender: on a phone the date goes to a line of its own instead of squeezing it. */}
                <span className="min-w-48 flex-1 truncate">
                  {!message.seen && (
                    <span className="mr-1 inline-block h-2 w-2 rounded-full bg-blue-600 align-middle" aria-hidden="true" />
                  )}
                  {!message.seen && <span className="sr-only">Unread: </span>}
                  {message.from ?? "(no sender)"}
                </span>
                <span className="muted shrink-0 text-sm font-normal">
                  {message.attachments.length > 0 && (
                    <span className="mr-2">
                      <PaperclipIcon label={`${message.attachments.length} file${message.attachments.length > 1 ? "s" : ""}`} />
                      {message.attachments.length > 1 && ` ${message.attachments.length}`}
                    </span>
                  )}
                  <LocalTime iso={message.date} fallback="" compact />
                </span>
              </div>
              <Link href={`/messages/${message.id}`} className="block break-words">
                {message.subject || "(no subject)"}
              </Link>
              {message.preview && <p className="muted m-0 truncate text-sm font-normal">{message.preview}</p>}
            </li>
          ))}
        </ul>
      )}
      <Pager path={base} filters={{ folder, search: filters.search, unread: filters.unread }} nextCursor={page.nextCursor} atStart={!filters.cursor} />
    </section>
  );
}
