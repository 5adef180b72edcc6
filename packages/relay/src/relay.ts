/**
 * startRelay: wires the store, verifier, subscription index and ingest queue to one http.Server that serves
 * NIP-11, /metrics and WebSocket upgrades.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { ClientConnection, type ClientSubscription, type RelayContext } from "./connection.js";
import { type NostrEvent, nowSeconds } from "./event.js";
import { handleHttpRequest } from "./http-routes.js";
import { noticeMessage } from "./messages.js";
import { MetricsRecorder, type RelayMetrics } from "./metrics.js";
import { type RelayOptions, resolveOptions } from "./options.js";
import { EventPipeline, type Submission } from "./pipeline.js";
import { relayInformation } from "./relay-info.js";
import { EventStore, type StoreOutcome } from "./store/event-store.js";
import { SubscriptionIndex } from "./subscription-index.js";
import { createVerifier } from "./verifier.js";
import { createVerifyPool } from "./verify-pool.js";

export interface RunningRelay {
  /** ws:// URL clients connect to. */
  url: string;
  port: number;
  metrics(): RelayMetrics;
  /** Stops accepting, closes every socket, commits pending writes and closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Grace period for clients to answer a close frame before their sockets are destroyed. */
const CLOSE_GRACE_MS = 1_000;

/** Sends a close frame and waits for the client's answer, destroying the socket after a grace period. */
function closeGracefully(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, CLOSE_GRACE_MS);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, "relay shutting down");
  });
}

function wsUrl(host: string, port: number): string {
  return host.includes(":") ? `ws://[${host}]:${port}` : `ws://${host}:${port}`;
}

export async function startRelay(opts: RelayOptions = {}): Promise<RunningRelay> {
  const options = resolveOptions(opts);
  const { log } = options;
  const verifier = await createVerifier(options.verifier);
  const pool = await createVerifyPool(options.verifier, options.verifyThreads, log);
  let store: EventStore;
  try {
    store = new EventStore(options.db);
  } catch (err) {
    await pool.close();
    throw err;
  }
  const metrics = new MetricsRecorder();
  const subscriptions = new SubscriptionIndex<ClientSubscription>();

  const broadcast = (event: NostrEvent, raw: string) => {
    for (const sub of subscriptions.matching(event)) {
      sub.owner.sendEvent(sub, raw);
      metrics.fanoutSent++;
    }
  };

  const committed = (items: Submission<ClientConnection>[], outcomes: StoreOutcome[] | Error) => {
    if (outcomes instanceof Error) {
      log(`store error, ${items.length} events refused: ${outcomes.message}`);
      for (const item of items) item.origin.acknowledge(item.event.id, false, "error: could not store event");
      return;
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (!outcome) return;
      if (outcome.status === "stored") {
        metrics.eventsStored++;
        metrics.eventsReplaced += outcome.replaced;
        metrics.eventsDeleted += outcome.deleted;
        item.origin.acknowledge(item.event.id, true, "");
        broadcast(item.event, item.raw);
      } else if (outcome.status === "duplicate") {
        metrics.eventsDuplicate++;
        item.origin.acknowledge(item.event.id, true, outcome.message);
      } else {
        item.origin.acknowledge(item.event.id, false, outcome.message);
      }
    });
  };
  const pipeline = new EventPipeline<ClientConnection>(pool, store, {
    invalid: (item) => item.origin.acknowledge(item.event.id, false, "invalid: bad event id or signature"),
    ephemeral: (item) => {
      metrics.eventsEphemeral++;
      item.origin.acknowledge(item.event.id, true, "");
      broadcast(item.event, item.raw);
    },
    committed,
    error: (err) =>
      log(`internal error in the write pipeline: ${err instanceof Error ? err.stack : String(err)}`),
  });

  const server = createServer();
  const wss = new WebSocketServer({
    server,
    // Messages above maxMessageBytes get a polite refusal; only far bigger ones cut the connection.
    maxPayload: Math.max(4 * options.limits.maxMessageBytes, 1024 * 1024),
  });

  let url = "";
  const ctx: RelayContext = {
    options,
    metrics,
    store,
    verifier,
    subscriptions,
    pipeline,
    get url() {
      return url;
    },
    broadcast,
  };
  const snapshot = () =>
    metrics.snapshot({
      subscriptionsOpen: subscriptions.size,
      eventsInStore: store.count(),
      verification: { backend: options.verifier, ...pool.stats() },
    });

  server.on("request", (req, res) => {
    try {
      handleHttpRequest(req, res, { info: () => relayInformation(options), metrics: snapshot });
    } catch (err) {
      log(`http error: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });

  wss.on("connection", (ws: WebSocket, req) => {
    const connection = new ClientConnection(ws, ctx, req.headers.host);
    metrics.connectionsOpen++;
    metrics.connectionsTotal++;
    ws.on("message", (data) => {
      try {
        connection.handleMessage(data);
      } catch (err) {
        // A bug must cost one message, never the relay.
        log(`internal error handling a message: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
        connection.send(noticeMessage("error: internal error"));
      }
    });
    ws.on("error", (err) => log(`websocket error: ${err.message}`));
    ws.on("close", () => {
      connection.dispose();
      metrics.connectionsOpen--;
    });
    connection.start();
  });
  wss.on("error", (err) => log(`websocket server error: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err) => {
    store.close();
    await pool.close();
    throw err;
  });
  server.on("error", (err) => log(`http server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;
  url = wsUrl(options.host, port);

  const purge = setInterval(() => {
    try {
      metrics.eventsExpiredPurged += store.purgeExpired(nowSeconds());
    } catch (err) {
      log(`expiration purge failed: ${String(err)}`);
    }
  }, options.purgeIntervalMs);
  purge.unref();

  log(
    `relay listening on ${url} (db ${options.db}, verifier ${verifier.backend} on ${pool.threads} threads)`,
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(purge);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Events already received still get their OK before the sockets go.
      await pipeline.drain();
      await Promise.all([...wss.clients].map(closeGracefully));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await serverClosed;
      await pipeline.drain();
      await pool.close();
      store.close();
      log("relay closed");
    })();
    return closing;
  };

  return { url, port, metrics: snapshot, close };
}
