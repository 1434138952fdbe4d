import { hasControlCharacters } from "#lib/validation";

/** Where the browser goes after a connection when no (valid) success path was given. */
export const DEFAULT_SUCCESS_PATH = "/connections";

/**
 * A success URI must be a path on this site: one leading "/", not "//" or
 * "/\" (both mean another host to a browser), no control characters.
 */
export function isSafeSuccessPath(value: string): boolean {
  return (
    value.startsWith("/") &&
    !value.startsWith("//") &&
    !value.startsWith("/\\") &&
    value.length <= 2000 &&
    !hasControlCharacters(value)
  );
}
