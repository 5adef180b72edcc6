/**
 * Plain HTTP beside the WebSocket endpoint: the NIP-11 document (with CORS, as browsers fetch it
 * cross-origin), GET /metrics as JSON, and a short human-readable page on GET /.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "*",
  "access-control-allow-methods": "GET, OPTIONS",
};

export interface HttpSources {
  info(): Record<string, unknown>;
  metrics(): unknown;
}

function sendJson(res: ServerResponse, status: number, type: string, body: unknown): void {
  res.writeHead(status, { ...CORS_HEADERS, "content-type": type });
  res.end(JSON.stringify(body));
}

export function handleHttpRequest(req: IncomingMessage, res: ServerResponse, sources: HttpSources): void {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS_HEADERS);
    res.end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...CORS_HEADERS, allow: "GET, HEAD, OPTIONS" });
    res.end();
    return;
  }
  if (path === "/metrics") {
    sendJson(res, 200, "application/json", sources.metrics());
    return;
  }
  if (path === "/") {
    if ((req.headers.accept ?? "").includes("application/nostr+json")) {
      sendJson(res, 200, "application/nostr+json", sources.info());
      return;
    }
    res.writeHead(200, { ...CORS_HEADERS, "content-type": "text/plain; charset=utf-8" });
    res.end("This is a Nostr relay. Connect with a Nostr client over WebSocket.\n");
    return;
  }
  res.writeHead(404, { ...CORS_HEADERS, "content-type": "text/plain; charset=utf-8" });
  res.end("not found\n");
}
