import type { AddressInfo, Socket } from "node:net";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";
import { registerCleanup } from "./cleanup";

/**
 * A real SMTP submission server for integration tests: smtp-server 3 in-process
 * on 127.0.0.1, plain TCP (no STARTTLS), authentication required and XOAUTH2
 * only. A login is accepted when the bearer token introspects as active and
 * its `email` is the XOAUTH2 `user=` (as Exchange requires the token to grant
 * that mailbox). Accepted messages are recorded; failures can be forced.
 */

export interface SmtpServerOptions {
  /** Checks a bearer token, e.g. `TestProvider.introspect`. */
  introspect(token: string): Promise<{ active: boolean; email?: unknown }>;
  /**
   * How a refused token is answered. `"exchange"` (default): `535 5.7.3 Authentication unsuccessful`
   * at once. `"gmail"`: first a `334` challenge carrying the JSON error (`{"status":"401",…}`),
   * then `535` once the client answers it, as Gmail does.
   */
  authFailureStyle?: "exchange" | "gmail";
}

export interface RecordedMessage {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  /** The mailbox that authenticated the session (the XOAUTH2 `user=`). */
  authUser: string;
}

export interface ForcedFailure {
  /** SMTP reply code, e.g. 451 (temporary), 554 (Exchange's quota answer), 550. */
  code: number;
  /** Reply text after the code, e.g. `5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException`. */
  message: string;
  /**
   * When the reply is given: `"data"` (default) after the message was sent, counting messages;
   * `"mail"` to MAIL FROM, counting transactions; `"rcpt"` to RCPT TO, counting recipients.
   */
  stage?: "mail" | "rcpt" | "data";
  /** With stage `"rcpt"`: only RCPT TO of this address counts (any recipient without it). */
  recipient?: string;
}

export interface TestSmtpServer {
  host: "127.0.0.1";
  port: number;
  /** Every accepted message, in order. */
  readonly messages: RecordedMessage[];
  /** The next `count` messages (or transactions, or recipients, see `stage`) are refused with this answer. */
  failNext(count: number, failure: ForcedFailure): void;
  /** Waits this long before answering each message's DATA (0 to stop). */
  setDelay(ms: number): void;
  /** Logins refused (inactive token, or one that does not grant the `user=` mailbox). */
  readonly authFailures: number;
  /** TCP connections accepted since start. */
  readonly connections: number;
  /** Resolves once `count` messages have been recorded in all, or rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  /** Stops listening and drops open connections; also done after the test file. */
  stop(): Promise<void>;
}

interface Pending {
  remaining: number;
  failure: ForcedFailure;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(options: SmtpServerOptions): Promise<TestSmtpServer> {
  const style = options.authFailureStyle ?? "exchange";
  const messages: RecordedMessage[] = [];
  const pending: Pending[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let delayMs = 0;
  let authFailures = 0;
  let connections = 0;

  /** The forced failure for this stage, if one is queued, consuming one of its count. */
  function takeFailure(stage: NonNullable<ForcedFailure["stage"]>, recipient?: string): ForcedFailure | undefined {
    const index = pending.findIndex(
      (entry) =>
        (entry.failure.stage ?? "data") === stage &&
        (entry.failure.recipient === undefined || entry.failure.recipient.toLowerCase() === recipient?.toLowerCase()),
    );
    const next = pending[index];
    if (!next) return undefined;
    next.remaining--;
    if (next.remaining <= 0) pending.splice(index, 1);
    return next.failure;
  }

  const server = new SMTPServer({
    name: "smtp.test.localhost",
    banner: "test submission server",
    secure: false,
    disabledCommands: ["STARTTLS"],
    authMethods: ["XOAUTH2"],
    authOptional: false,
    // No DNS: reverse lookups would leave the machine.
    disableReverseLookup: true,
    logger: false,
    size: 35 * 1024 * 1024,

    onConnect(_session, callback) {
      connections++;
      callback();
    },

    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      const user = auth.username ?? "";
      const refuse = () => {
        authFailures++;
        if (style === "gmail") {
          callback(null, { data: { status: "401", schemes: "bearer", scope: "https://mail.google.com/" } });
        } else {
          callback(smtpError(535, "5.7.3 Authentication unsuccessful"));
        }
      };
      if (auth.method !== "XOAUTH2" || !auth.accessToken) return refuse();
      options.introspect(auth.accessToken).then(
        (answer) => {
          const email = typeof answer.email === "string" ? answer.email : undefined;
          if (answer.active === true && email !== undefined && email.toLowerCase() === user.toLowerCase()) {
            callback(null, { user });
          } else {
            refuse();
          }
        },
        // The token could not be checked: a temporary failure, as a server whose identity provider is down answers.
        () => callback(smtpError(454, "4.7.0 Temporary authentication failure")),
      );
    },

    onMailFrom(_address, _session, callback) {
      const failure = takeFailure("mail");
      callback(failure ? smtpError(failure.code, failure.message) : undefined);
    },

    onRcptTo(address, _session, callback) {
      const failure = takeFailure("rcpt", address.address);
      callback(failure ? smtpError(failure.code, failure.message) : undefined);
    },

    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const finish = () => {
          if (stream.sizeExceeded) return callback(smtpError(552, "5.3.4 Message size exceeds fixed maximum message size"));
          const failure = takeFailure("data");
          if (failure) return callback(smtpError(failure.code, failure.message));
          const from = session.envelope.mailFrom;
          messages.push({
            envelope: { from: from ? from.address : "", to: session.envelope.rcptTo.map((rcpt) => rcpt.address) },
            raw: Buffer.concat(chunks),
            authUser: String(session.user ?? ""),
          });
          for (const wake of [...waiters]) wake();
          callback(null, "2.6.0 Queued mail for delivery");
        };
        if (delayMs > 0) setTimeout(finish, delayMs);
        else finish();
      });
    },
  });
  // Client sockets that reset are reported here; without a listener they would crash the test process.
  server.on("error", () => undefined);
  // Nagle plus the peer's delayed ACK holds each small reply ~40 ms on loopback.
  server.server.on("connection", (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() waits for clients to quit; pooled transports of a test may never do so.
      for (const socket of sockets) socket.destroy();
    });
    return stopped;
  };
  registerCleanup(stop);

  return {
    host: "127.0.0.1",
    port,
    messages,
    failNext(count, failure) {
      if (!Number.isSafeInteger(count) || count <= 0) throw new Error("failNext: count must be a positive integer");
      pending.push({ remaining: count, failure });
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get authFailures() {
      return authFailures;
    },
    get connections() {
      return connections;
    },
    waitForMessages(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP server recorded ${messages.length} of ${count} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        waiters.add(check);
      });
    },
    stop,
  };
}
