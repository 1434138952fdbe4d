import os from "node:os";
import { Worker } from "node:worker_threads";
import { logger } from "#lib/logger";
import { parseMessage, type ParsedMessage } from "./parse-message";

export interface ParseJob {
  raw: Buffer;
  /** IMAP RFC822.SIZE: more than raw.length when raw is the header block of an oversized message. */
  size: number;
}

export interface ParseRequest {
  id: number;
  jobs: ParseJob[];
  maxBytes: number;
}

export interface ParseResponse {
  id: number;
  results: ParsedMessage[];
}

interface Waiting {
  resolve: (results: ParsedMessage[]) => void;
  reject: (error: Error) => void;
}

/**
 * mailparser is CPU work that never yields for long: run on the sync's own
 * thread it stalls the IMAP reads and the database writes of every session in
 * the worker. Batches go to parse threads instead, so one batch is parsed
 * while the next is fetched and the previous one stored (lib/mail/sync-folder.ts).
 *
 * One thread per spare core (at least one, at most four), started on first
 * use, each taking batches in order. A thread that dies fails its batches,
 * which parseMessages() then parses here; the next batch starts a new thread.
 * A thread idle for a minute stops (a worker whose accounts all sit in IDLE
 * keeps no parser in memory), and idle threads never keep the process alive.
 */
const IDLE_THREAD_MS = 60_000;

class ParseThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  dead = false;

  constructor() {
    this.worker = new Worker(new URL("./parse-thread-entry.mjs", import.meta.url));
    this.worker.unref();
    this.worker.on("message", (response: ParseResponse) => {
      const waiting = this.waiting.get(response.id);
      this.waiting.delete(response.id);
      if (this.waiting.size === 0) {
        this.worker.unref();
        this.idleTimer = setTimeout(() => void this.close(), IDLE_THREAD_MS).unref();
      }
      waiting?.resolve(response.results.map(withBuffers));
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`parse thread exited with code ${code}`)));
  }

  get load(): number {
    return this.waiting.size;
  }

  parse(jobs: ParseJob[], maxBytes: number): Promise<ParsedMessage[]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      this.waiting.set(id, { resolve, reject });
      // While a batch is out, the thread must keep the process alive: the caller is waiting for it.
      this.worker.ref();
      const request: ParseRequest = { id, jobs, maxBytes };
      this.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    if (!this.dead) logger.warn({ err: error.message }, "parse thread stopped");
    this.dead = true;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** Structured cloning delivers Buffers as plain Uint8Arrays: make the attachments Buffers again. */
function withBuffers(message: ParsedMessage): ParsedMessage {
  if (message.attachments.length === 0) return message;
  return {
    ...message,
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      content: Buffer.from(attachment.content.buffer, attachment.content.byteOffset, attachment.content.byteLength),
    })),
  };
}

const THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));
const threads: (ParseThread | null)[] = Array.from({ length: THREADS }, () => null);

function leastBusyThread(): ParseThread {
  let chosen: ParseThread | null = null;
  for (const [index, thread] of threads.entries()) {
    const live = thread && !thread.dead ? thread : (threads[index] = new ParseThread());
    if (!chosen || live.load < chosen.load) chosen = live;
  }
  return chosen!;
}

/**
 * Parses a batch of fetched messages on a parse thread; never throws (like
 * parseMessage): when the thread fails, the batch is parsed on this thread.
 */
export async function parseMessages(jobs: ParseJob[], options: { maxBytes: number }): Promise<ParsedMessage[]> {
  if (jobs.length === 0) return [];
  try {
    return await leastBusyThread().parse(jobs, options.maxBytes);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error), messages: jobs.length }, "parsing a batch on the sync's thread instead");
    const results: ParsedMessage[] = [];
    for (const job of jobs) results.push(await parseMessage(job.raw, { maxBytes: options.maxBytes, size: job.size }));
    return results;
  }
}

/** Stops the parse threads (tests; a process exits without it, idle threads hold nothing open). */
export async function closeParseThreads(): Promise<void> {
  await Promise.all(threads.map((thread, index) => {
    threads[index] = null;
    return thread?.close();
  }));
}
