import { parentPort } from "node:worker_threads";
import { parseMessage, type ParsedMessage } from "./parse-message";
import type { ParseRequest, ParseResponse } from "./parse-pool";

// One parse thread of lib/mail/parse-pool.ts: parses each batch it is sent, in order.
const port = parentPort;
if (!port) throw new Error("parse-thread.ts runs as a worker thread of lib/mail/parse-pool.ts");

port.on("message", async (request: ParseRequest) => {
  const results: ParsedMessage[] = [];
  for (const job of request.jobs) {
    // Structured cloning turned the Buffer into a Uint8Array over its own copy of the bytes.
    const raw = Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
    results.push(await parseMessage(raw, { maxBytes: request.maxBytes, size: job.size }));
  }
  const response: ParseResponse = { id: request.id, results };
  port.postMessage(response);
});
