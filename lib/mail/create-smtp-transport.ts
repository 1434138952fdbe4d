import nodemailer from "nodemailer";
import type { MailAuth } from "./mail-credentials";
import { resolveMailHost } from "./resolve-mail-host";

export interface SmtpEndpoint {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
}

/**
 * A nodemailer transport to a checked address. We own the token refresh
 * (lib/tokens), so nodemailer gets a ready access token and never refreshes.
 */
export async function createSmtpTransport(
  endpoint: SmtpEndpoint,
  auth: MailAuth,
  options: { pool?: boolean; maxConnections?: number } = {},
) {
  const address = await resolveMailHost(endpoint.host, endpoint.port);
  return nodemailer.createTransport({
    host: address,
    port: endpoint.port,
    secure: endpoint.security === "tls",
    requireTLS: endpoint.security === "starttls",
    ignoreTLS: endpoint.security === "none",
    tls: { servername: endpoint.host },
    name: "connected-apps",
    auth: "accessToken" in auth ? { type: "OAuth2", user: auth.user, accessToken: auth.accessToken } : { user: auth.user, pass: auth.pass },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    ...(options.pool ? { pool: true, maxConnections: options.maxConnections ?? 3, maxMessages: Infinity } : {}),
    logger: false,
  });
}
