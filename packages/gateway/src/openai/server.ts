/**
 * startOpenAIServer: the OpenAI-compatible HTTP API in front of a ModelService — routing, the bearer token,
 * the concurrency cap and the request log. One bad request gets an error reply and never takes it down.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelService } from "../service.js";
import { bearerCheck } from "./auth.js";
import { DayBudget } from "./budget.js";
import { type ChatContext, type ChatOutcome, handleChat } from "./chat.js";
import { badApiKey, describeError, HttpError, invalidRequest, toHttpError, tooBusy } from "./errors.js";
import { sendError, sendJson } from "./http.js";
import { listModels, retrieveModel } from "./models.js";

/** How `startOpenAIServer` serves: the service behind it, where it listens, its token and its limits. */
export interface OpenAIServerOptions {
  /** What answers: the market and the RLM (the CLI's), or local models (tests). */
  service: ModelService;
  /** Default "127.0.0.1": only this machine can reach it. */
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** The bearer token clients must send (see loadOrCreateToken). */
  token: string;
  /** ledgerFile: today's spend (UTC), kept across restarts; without it the day starts at 0 on every start. */
  budgets: { perRequestSats: number; perDaySats: number; ledgerFile?: string };
  /** Chat completions running at once before 429; default 16. */
  maxConcurrent?: number;
  /**
   * One line per chat completion and per other failed request (not 401/404/405), after its reply. `id`: the
   * service's request id (receipt and log are named by it) when it answered, else the reply's `chatcmpl-…`;
   * status 499: the client went away first; `error`: the real cause, even behind a generic 500.
   */
  onRequest?: (line: {
    id: string;
    model: string;
    status: number;
    costSats: number;
    ms: number;
    error?: string;
  }) => void;
  /** Largest request body, bytes; default 32 MiB (an RLM's context can be large). */
  maxBodyBytes?: number;
  /** Time to receive a whole request body, ms; default 60 000. */
  bodyTimeoutMs?: number;
  /** Interval of `: keep-alive` comments on a stream with nothing else to send, ms; default 15 000. */
  heartbeatMs?: number;
}

/** A listening server. */
export interface RunningOpenAIServer {
  /** e.g. "http://127.0.0.1:41234". */
  url: string;
  /** url + "/v1": what OpenAI clients take as `baseURL`. */
  baseURL: string;
  /** Stops listening and drops open connections (running requests are aborted); idempotent. */
  close(): Promise<void>;
}

/**
 * Serves OpenAI's chat-completions API (`GET /v1/models`, `GET /v1/models/{id}`, `POST /v1/chat/completions`,
 * streamed or not) in front of `service`, on 127.0.0.1 unless `host` says otherwise. docs/serve.md describes
 * the API, its extension fields and its errors.
 */
export async function startOpenAIServer(options: OpenAIServerOptions): Promise<RunningOpenAIServer> {
  const host = options.host ?? "127.0.0.1";
  const maxConcurrent = options.maxConcurrent ?? 16;
  if (!(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) {
    throw new Error(`maxConcurrent must be an integer ≥ 1 (got ${maxConcurrent})`);
  }
  if (options.token.trim() === "") throw new Error("the server needs a bearer token (see loadOrCreateToken)");
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 60_000;
  const chat: ChatContext = {
    service: options.service,
    budget: await DayBudget.open(options.budgets),
    perRequestSats: options.budgets.perRequestSats,
    perDaySats: options.budgets.perDaySats,
    body: { maxBytes: options.maxBodyBytes ?? 32 * 1024 * 1024, timeoutMs: bodyTimeoutMs },
    heartbeatMs: options.heartbeatMs ?? 15_000,
  };
  const authorised = bearerCheck(options.token);
  const onRequest = options.onRequest ?? (() => {});
  const log: typeof onRequest = (line) => {
    try {
      onRequest(line);
    } catch {
      // A failing logger must not become an unhandled rejection that stops the server.
    }
  };
  let running = 0;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<ChatOutcome | undefined> => {
    const auth = authorised(req.headers.authorization);
    if (auth !== "ok") {
      throw badApiKey(
        auth === "missing"
          ? "You didn't provide an API key. Send the server's token as 'Authorization: Bearer <token>'."
          : "Incorrect API key provided. Send the token from the server's token file.",
      );
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    if (url.pathname === "/v1/models") {
      allow(method, ["GET"], url);
      sendJson(res, 200, await listModels(options.service, gone.signal));
      return undefined;
    }
    if (url.pathname.startsWith("/v1/models/")) {
      allow(method, ["GET"], url);
      // The SDKs escape the id (`market/tiny` → `market%2Ftiny`); either form is accepted.
      const raw = url.pathname.slice("/v1/models/".length);
      let id: string;
      try {
        id = decodeURIComponent(raw);
      } catch {
        throw invalidRequest(`The model id in ${url.pathname} is not valid percent-encoding.`, "model");
      }
      sendJson(res, 200, await retrieveModel(options.service, id, gone.signal));
      return undefined;
    }
    if (url.pathname === "/v1/chat/completions") {
      allow(method, ["POST"], url);
      if (running >= maxConcurrent) {
        throw tooBusy(
          `${running} requests are running (the most at once is ${maxConcurrent}); retry shortly.`,
          1,
        );
      }
      running++;
      try {
        return await handleChat(req, res, chat);
      } finally {
        running--;
      }
    }
    throw new HttpError(404, `Invalid URL (${method} ${url.pathname})`, "invalid_request_error");
  };

  // Node's own bound on receiving a whole request, behind ours (body.ts answers first, with a 408 body).
  const requestTimeout = bodyTimeoutMs + 5_000;
  const server = createServer(
    { requestTimeout, headersTimeout: Math.min(60_000, requestTimeout) },
    (req, res) => {
      const started = performance.now();
      route(req, res).then(
        (outcome) => {
          if (outcome) log({ ...outcome, ms: Math.round(performance.now() - started) });
        },
        (error: unknown) => {
          const reply = toHttpError(error);
          sendError(req, res, reply);
          if (reply.status === 401 || reply.status === 404 || reply.status === 405) return;
          log({
            id: "",
            model: "",
            status: reply.status,
            costSats: 0,
            ms: Math.round(performance.now() - started),
            error: describeError(error),
          });
        },
      );
    },
  );
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    baseURL: `${url}/v1`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => chat.budget.flush());
      return closing;
    },
  };
}

/** 405 for a known path asked with the wrong method. */
function allow(method: string, methods: string[], url: URL): void {
  if (!methods.includes(method)) {
    throw new HttpError(
      405,
      `Invalid method for URL (${method} ${url.pathname})`,
      "invalid_request_error",
      null,
      null,
      {
        allow: methods.join(", "),
      },
    );
  }
}
