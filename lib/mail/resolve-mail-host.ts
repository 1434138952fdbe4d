import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { env } from "#lib/env";
import { classifyAddress } from "#lib/net/address-policy";
import { isInsecureHost } from "#lib/net/host-rules";

export class MailHostError extends Error {
  override name = "MailHostError";
  constructor(
    readonly reason: "dns" | "blocked_address",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The address to connect to for a mail server: resolved once and checked
 * like provider endpoints (no loopback/private/metadata addresses unless the
 * host is in INSECURE_OAUTH_HOSTS), so the connection goes to the checked
 * address and TLS still verifies the host name (DNS rebinding cannot swap it).
 */
export async function resolveMailHost(host: string, port: number): Promise<string> {
  const insecure = isInsecureHost(host, port, env().INSECURE_OAUTH_HOSTS);
  let address: string;
  if (isIP(host)) {
    address = host;
  } else {
    try {
      address = (await lookup(host)).address;
    } catch {
      throw new MailHostError("dns", `The host name ${host} does not resolve (DNS): check the spelling`);
    }
  }
  if (!insecure) {
    const classification = classifyAddress(address);
    if (!classification.allowed) {
      throw new MailHostError(
        "blocked_address",
        `${host} resolves to ${address}, ${classification.description}; list the host in INSECURE_OAUTH_HOSTS only for testing`,
      );
    }
  }
  return address;
}
