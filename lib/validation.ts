import type { z } from "zod";
import { AppError, type ValidationIssue } from "./errors";

export function zodIssues(error: z.ZodError, prefix: string[] = []): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/** Parses input against a schema or throws 400 validation_failed listing every problem by path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix: string[] = []): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = zodIssues(result.error, prefix);
  const summary = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
  throw new AppError("validation_failed", `Invalid input: ${summary}`, issues);
}

/** Control characters (C0 and DEL): refused in paths, folder names and the like. */
export function hasControlCharacters(value: string): boolean {
  return [...value].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);
}

/**
 * A path on this site that a browser may be sent to (after a connection, after
 * signing in): one leading "/", not "//" or "/\" (both mean another host to a
 * browser), no control characters.
 */
export function isLocalPath(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") && value.length <= 2000 && !hasControlCharacters(value);
}

/**
 * For z.strictObject: a body field the route does not know is refused, named
 * (a client that sends `attachments` to a route without them must hear so,
 * not see the message go out without them).
 */
export const UNKNOWN_FIELDS = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys" && issue.keys ? `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}` : undefined,
};

/**
 * A page's filters from its query string: each field of `schema` is parsed on
 * its own, so one bad value (an edited link) drops that filter alone, named in
 * `ignored`, instead of failing the page. Repeated parameters count once.
 */
export function parseFilters<S extends z.ZodObject>(
  schema: S,
  search: Record<string, string | string[] | undefined>,
): { filters: Partial<z.infer<S>>; ignored: string[] } {
  const filters: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const raw = search[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === "") continue;
    const result = (field as z.ZodType).safeParse(value);
    if (result.success) filters[key] = result.data;
    else ignored.push(key);
  }
  return { filters: filters as Partial<z.infer<S>>, ignored };
}
