import { open, seal } from "#lib/crypto";
import { deserializeTokens, serializeTokens, type ObtainedTokens } from "#lib/oauth/obtained-tokens";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";

const accessColumn = sealedColumns.find((column) => column.column === "access_token_sealed")!;
const refreshColumn = sealedColumns.find((column) => column.column === "refresh_token_sealed")!;
const pendingTokensColumn = sealedColumns.find((column) => column.column === "pending_tokens_sealed")!;

export const sealAccessToken = (rowId: string, token: string) => seal(token, sealedColumnContext(accessColumn, rowId));
export const sealRefreshToken = (rowId: string, token: string) => seal(token, sealedColumnContext(refreshColumn, rowId));
export const openAccessToken = (rowId: string, sealed: string) => open(sealed, sealedColumnContext(accessColumn, rowId));
export const openRefreshToken = (rowId: string, sealed: string) => open(sealed, sealedColumnContext(refreshColumn, rowId));

/** Tokens parked on an AuthRequest until the user confirms a switch of provider account. */
export const sealPendingTokens = (authRequestId: string, tokens: ObtainedTokens) =>
  seal(serializeTokens(tokens), sealedColumnContext(pendingTokensColumn, authRequestId));
export const openPendingTokens = (authRequestId: string, sealed: string) =>
  deserializeTokens(open(sealed, sealedColumnContext(pendingTokensColumn, authRequestId)));

/** The app-only (client-credentials) token of an app has this principal key. */
export const APP_PRINCIPAL = "app";
