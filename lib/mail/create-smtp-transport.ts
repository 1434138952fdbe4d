import net from "node:net";
import nodemailer from "nodemailer";
import type { MailAuth } from "./mail-credentials";
import { resolveMailHost } from "./resolve-mail-host";

export interface SmtpEndpoint {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
}

const CONNECTION_TIMEOUT_MS = 15_000;

type SocketCallback = (error: Error | null, socketOptions?: { connection: net.Socket } | false) => void;

/**
 * nodemailer's own sockets leave Nagle on: every small SMTP command then waits
 * for the peer's delayed ACK (~40 ms on loopback), which caps a pooled
 * transport near 100 msg/s. We open the TCP connection ourselves, to the
 * address that was resolved and checked, with TCP_NODELAY; nodemailer then
 * runs implicit TLS or STARTTLS over it with the host name for SNI.
 */
function noDelaySocket(address: string, port: number) {
  return (_options: unknown, callback: SocketCallback) => {
    const socket = net.connect({ host: address, port });
    socket.setNoDelay(true);
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      callback(error);
    };
    const timer = setTimeout(
      () => fail(Object.assign(new Error(`Connection to ${address}:${port} timed out`), { code: "ETIMEDOUT" })),
      CONNECTION_TIMEOUT_MS,
    );
    socket.once("error", fail);
    socket.once("connect", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off("error", fail);
      // nodemailer attaches its own error handler synchronously inside this callback.
      callback(null, { connection: socket });
    });
  };
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
    getSocket: noDelaySocket(address, endpoint.port),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    ...(options.pool ? { pool: true, maxConnections: options.maxConnections ?? 3, maxMessages: Infinity } : {}),
    logger: false,
  });
}
