/**
 * HTTP plumbing: route lookup, bounded JSON bodies, and the NUT-00 error shape. Spec refusals are 400
 * `{ detail, code }`; anything unexpected is a 500 that is logged, never a crash.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MintError } from "./errors.js";
import { MAX_BODY_BYTES, type MintOperations } from "./options.js";
import type { Route } from "./routes.js";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    // Browser wallets talk to mints cross-origin.
    "access-control-allow-origin": "*",
  });
  res.end(json);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "request body could not be read"); // the client went away mid-body
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

/** `counts` (when given) gains one per request that reaches an endpoint, and one `refused` per error answer. */
export function requestHandler(table: Route[], log: (line: string) => void, counts?: MintOperations) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let counted = false;
    try {
      const path = new URL(req.url ?? "/", "http://mint").pathname.replace(/\/+$/, "");
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST",
          "access-control-allow-headers": "content-type",
        });
        res.end();
        return;
      }
      const matches = table.filter((r) => r.path.test(path));
      const route = matches.find((r) => r.method === req.method);
      if (!route) {
        if (matches.length) throw new HttpError(405, `${req.method} not allowed on ${path}`);
        throw new HttpError(404, `no endpoint ${path}`);
      }
      if (counts) counts[route.op]++;
      counted = true;
      const params = route.path.exec(path)?.slice(1) ?? [];
      const body = route.method === "POST" ? await readJson(req) : undefined;
      send(res, 200, route.handle(params, body));
    } catch (err) {
      if (counts && counted) counts.refused++;
      if (err instanceof MintError) return send(res, 400, err.toJSON());
      if (err instanceof HttpError) return send(res, err.status, { detail: err.detail, code: 0 });
      log(`pylon mint: internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, { detail: "internal error", code: 0 });
      else res.destroy();
    }
  };
}
