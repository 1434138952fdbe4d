import { createHash } from "node:crypto";
import net from "node:net";

/**
 * A lock between the processes of this machine, held by listening on an
 * abstract Unix socket (Linux): the kernel releases it the moment its holder
 * exits, however it exits, so there is never a stale lock to take over, and
 * no check-then-delete for two processes to race through. Used for one
 * process at a time starting the embedded PostgreSQL of a data directory.
 * (Abstract sockets belong to a network namespace: processes in separate
 * ones do not see each other's locks.)
 */
export async function withProcessLock<T>(name: string, options: { timeoutMs: number; waitingFor: string }, fn: () => Promise<T>): Promise<T> {
  const address = `\0connected-apps-lock-${createHash("sha256").update(name).digest("hex").slice(0, 40)}`;
  const deadline = Date.now() + options.timeoutMs;
  let holder: net.Server;
  for (;;) {
    const server = net.createServer();
    const taken = await new Promise<boolean>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(false) : reject(error)));
      server.listen(address, () => resolve(true));
    });
    if (taken) {
      holder = server;
      break;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for another process ${options.waitingFor}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The lock must not keep the process alive by itself.
  holder.unref();
  try {
    return await fn();
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
}
