/**
 * startViewServer: the viewer's HTTP server. 127.0.0.1 unless the caller names another host; every route
 * (pages, assets, API) needs the token, and without it answers 401 with nothing in the body to learn from.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MarketSnapshot, NodeSnapshot } from "../api.js";
import { authorised, newToken, sameToken, setCookieHeader } from "./auth.js";
import { secure, sendError, sendText } from "./http.js";
import { LogWatches } from "./live-watch.js";
import { type RouteContext, route } from "./routes.js";
import { RunCatalog } from "./runs.js";
import { WebFiles } from "./static.js";

export interface ViewServerOptions {
  /** <data dir>/runs: every `*.jsonl` in it is a run. */
  runsDir: string;
  /** Default 127.0.0.1; anything else only when the caller asks. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  /** Logs outside runsDir to list too (`pylon view FILE`). */
  files?: string[];
  /** The built web UI; default apps/view/dist/web. */
  webDir?: string;
  market?: () => Promise<MarketSnapshot>;
  node?: () => Promise<NodeSnapshot>;
  /** Provider names (reputation book, directory). */
  names?: (pubkey: string) => string | undefined;
}

export interface RunningViewServer {
  /** The first URL to open, with `?token=`. */
  url: string;
  port: number;
  token: string;
  /** The URL of a run's page (with the token), for a log listed by this server; undefined when it is not. */
  runUrl(runOrFile: string): string | undefined;
  close(): Promise<void>;
}

export async function startViewServer(options: ViewServerOptions): Promise<RunningViewServer> {
  const token = options.token ?? newToken();
  const host = options.host ?? "127.0.0.1";
  const catalog = new RunCatalog(options.runsDir, options.files ?? [], options.names);
  const watches = new LogWatches();
  const ctx: RouteContext = {
    catalog,
    watches,
    web: new WebFiles(options.webDir),
    ...(options.market ? { market: options.market } : {}),
    ...(options.node ? { node: options.node } : {}),
  };
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // One bad request never ends the viewer.
      if (!res.headersSent)
        sendError(res, 500, "internal-error", error instanceof Error ? error.message : "failed");
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    secure(res);
    const url = new URL(req.url ?? "/", "http://viewer.invalid");
    const given = url.searchParams.get("token");
    if (given !== null) {
      if (!sameToken(given, token)) return sendText(res, 401, "unauthorised\n");
      url.searchParams.delete("token");
      if (!url.pathname.startsWith("/api/")) {
        // Into a cookie, and out of the address bar.
        res.writeHead(303, {
          "Set-Cookie": setCookieHeader(token, port),
          Location: `${url.pathname}${url.search}`,
          "Cache-Control": "no-store",
        });
        res.end();
        return;
      }
    } else if (!authorised(req, token, port)) {
      return sendText(res, 401, "unauthorised\n");
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return sendError(res, 405, "method-not-allowed", "the viewer only reads");
    }
    await route(req, res, url, ctx);
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const withToken = (path: string) => `${origin}${path}?token=${token}`;
  return {
    url: withToken("/"),
    port,
    token,
    runUrl(runOrFile) {
      const id = catalog.entry(runOrFile) ? runOrFile : catalog.idOf(runOrFile);
      return id === undefined ? undefined : withToken(`/runs/${encodeURIComponent(id)}`);
    },
    async close() {
      watches.closeAll();
      catalog.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
