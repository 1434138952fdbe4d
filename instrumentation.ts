import type { Instrumentation } from "next";

/**
 * Every error Next.js catches while rendering a page or running a route is
 * logged once by our logger with the digest the error page shows as its
 * reference and the request id of the web server (lib/web/request-context.ts),
 * so the line behind a reference can be found.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  // Loaded here, not at the top: this file is also loaded for the edge runtime, which has no pino.
  const { logger } = await import("#lib/logger");
  const { REQUEST_ID_HEADER } = await import("#lib/web/request-context");
  const requestId = request.headers[REQUEST_ID_HEADER];
  logger.error(
    { err: error, digest: (error as { digest?: string }).digest, requestId, path: request.path.split("?")[0], routeType: context.routeType },
    "error while rendering a page or running a route",
  );
};
