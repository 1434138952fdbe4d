import { z } from "zod";

/**
 * Keyset paging of lists shown newest first (audit log, sent mail): a page
 * ends at a row, and the next one starts below its (time, id). Unlike page
 * numbers, rows written meanwhile shift nothing. The cursor is
 * "<milliseconds>_<uuid>".
 */
export const timeCursor = z.string().regex(/^\d{13}_[0-9a-f-]{36}$/i, "is not a cursor this list gave");

export function encodeTimeCursor(at: Date, id: string): string {
  return `${at.getTime()}_${id}`;
}

/** The rows after `cursor` in (time desc, id desc) order, as a Prisma where clause on `field`. */
export function afterTimeCursor<F extends string>(cursor: string, field: F) {
  const [millis, id] = cursor.split("_") as [string, string];
  const at = new Date(Number(millis));
  return { OR: [{ [field]: { lt: at } }, { [field]: at, id: { lt: id } }] } as { OR: ({ [K in F]: { lt: Date } } | ({ [K in F]: Date } & { id: { lt: string } }))[] };
}
