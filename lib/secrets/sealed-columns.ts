/**
 * Every column that holds a sealed secret. Key rotation walks this list, so a
 * new sealed column must be added here. The associated data binds a value to
 * its table, column and row: a sealed value copied elsewhere does not open.
 */
export const sealedColumns = [
  { table: "connected_apps", column: "client_secret_sealed" },
  { table: "token_cache", column: "access_token_sealed" },
  { table: "token_cache", column: "refresh_token_sealed" },
  { table: "auth_requests", column: "code_verifier_sealed" },
  { table: "auth_requests", column: "pending_tokens_sealed" },
  { table: "email_accounts", column: "password_sealed" },
  { table: "setup_codes", column: "code_sealed" },
] as const;

export type SealedColumn = (typeof sealedColumns)[number];

export function sealedColumnContext(column: SealedColumn, rowId: string): string {
  return `${column.table}.${column.column}:${rowId}`;
}
