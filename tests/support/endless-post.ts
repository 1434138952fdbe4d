import { request as httpRequest } from "node:http";

export interface EndlessPostResult {
  status: number;
  /** Bytes of body written before the answer came (what the server read, plus what the sockets held). */
  sentBytes: number;
  body: string;
}

/**
 * POSTs a body with no Content-Length (chunked), written as fast as the
 * server takes it, until the server answers or `maxBytes` are written: a
 * server that stops reading at its limit answers after a little more than the
 * limit; one that reads everything answers only after `maxBytes`.
 */
export function postEndless(url: string, options: { contentType: string; cookie?: string; maxBytes?: number }): Promise<EndlessPostResult> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = httpRequest(url, {
      method: "POST",
      headers: { "content-type": options.contentType, "transfer-encoding": "chunked", ...(options.cookie ? { cookie: options.cookie } : {}) },
    });
    request.on("response", (response) => {
      answered = true;
      const sentBytes = sent;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (data: string) => (body += data));
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, sentBytes, body });
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < maxBytes) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}
