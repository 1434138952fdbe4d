import { ImapFlow } from "imapflow";
import type { MailAuth } from "./mail-credentials";
import { resolveMailHost } from "./resolve-mail-host";

export interface ImapEndpoint {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
}

/** An ImapFlow client (not yet connected) for a checked address; never logs (credentials stay out of logs). */
export async function createImapClient(endpoint: ImapEndpoint, auth: MailAuth): Promise<ImapFlow> {
  const address = await resolveMailHost(endpoint.host, endpoint.port);
  return new ImapFlow({
    host: address,
    port: endpoint.port,
    servername: endpoint.host,
    secure: endpoint.security === "tls",
    // STARTTLS is required when asked for, never attempted on "none" (test hosts only).
    doSTARTTLS: endpoint.security === "starttls" ? true : endpoint.security === "none" ? false : undefined,
    auth: "accessToken" in auth ? { user: auth.user, accessToken: auth.accessToken } : { user: auth.user, pass: auth.pass },
    logger: false,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 5 * 60_000,
    disableAutoIdle: true,
  });
}
