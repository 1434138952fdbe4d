import pino from "pino";
import { env } from "./env";

/**
 * The one logger. Redaction is by key name at any depth up to four levels,
 * so a token or password passed in a log object is replaced, never printed.
 */
export const redactedKeys = [
  "password",
  "passwordHash",
  "secret",
  "clientSecret",
  "client_secret",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "id_token",
  "apiKey",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "encryptionKeys",
  "ENCRYPTION_KEYS",
  "NEXTAUTH_SECRET",
  "code_verifier",
  "codeVerifier",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of redactedKeys) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  return paths;
}

export function createLogger(destination?: pino.DestinationStream) {
  return pino(
    {
      level: env().LOG_LEVEL,
      redact: { paths: redactPaths(), censor: "[redacted]" },
      base: { pid: process.pid },
    },
    destination,
  );
}

export const logger = createLogger();
