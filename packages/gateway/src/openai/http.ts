/** Writing replies: JSON bodies and OpenAI-shaped errors. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpError } from "./errors.js";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * The error reply. When the request body was not read to its end (refused early, too large, too slow), the
 * connection closes after the reply: otherwise Node would read and discard the rest of that body to reuse it.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, error.body(), {
    ...error.headers,
    ...(req.complete ? {} : { connection: "close" }),
  });
}
