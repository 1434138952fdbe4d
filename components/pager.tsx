import Link from "next/link";

/**
 * "Older" / "Newest" links for a list paged by cursor: the filters stay in
 * the link, only the cursor changes.
 */
export function Pager({ path, filters, nextCursor, atStart }: { path: string; filters: Record<string, string | undefined>; nextCursor: string | null; atStart: boolean }) {
  if (!nextCursor && atStart) return null;
  const link = (cursor?: string) => {
    const query = new URLSearchParams(Object.entries({ ...filters, cursor }).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""));
    return query.size > 0 ? `${path}?${query}` : path;
  };
  return (
    <nav aria-label="Pages" className="actions mt-4">
      {!atStart && (
        <Link className="button secondary" href={link()} prefetch={false}>
          First page
        </Link>
      )}
      {nextCursor && (
        <Link className="button secondary" href={link(nextCursor)} prefetch={false} rel="next">
          Next page
        </Link>
      )}
    </nav>
  );
}
