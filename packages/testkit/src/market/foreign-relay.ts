/**
 * A relay nobody here wrote, for tests that must not only pass against our own twin: @nostr-relay/core
 * (NostrRelay) storing in @nostr-relay/event-repository-sqlite, served on 127.0.0.1 over a real `ws`
 * WebSocketServer. Only the transport glue is ours (the package is transport-agnostic): a connection is
 * handed to `handleConnection`, each parsed message to `handleMessage`, a close to `handleDisconnect`.
 * The package's own defaults are kept, deviations included (lab/README.md, "Foreign relay").
 */
import { createServer, type IncomingMessage as HttpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, Logger } from "@nostr-relay/common";
import { NostrRelay } from "@nostr-relay/core";
import { EventRepositorySqlite } from "@nostr-relay/event-repository-sqlite";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { Cleanup } from "../cleanup.js";

export interface ForeignRelayOptions {
  /** SQLite file for the events. Default ":memory:". */
  db?: string;
  /** TCP port on 127.0.0.1. Default 0: a free one. */
  port?: number;
  /** NIP-42: the package sends AUTH challenges (and checks the `relay` tag's hostname) only when set. */
  hostname?: string;
  /** The package's per-connection subscription cap (default 20; the oldest is dropped past it, silently). */
  maxSubscriptionsPerClient?: number;
  /** The package's cache of stored-query results, ms (default 1,000: a repeated REQ may get stale results). */
  filterResultCacheTtl?: number;
  /** Receives the package's warnings and errors (default: dropped). */
  log?: (line: string) => void;
}

export interface ForeignRelay {
  /** ws:// URL clients connect to. */
  url: string;
  port: number;
  /**
   * The most subscriptions one connection has held open at once so far (REQs less CLOSEs, as clients asked):
   * past the package's cap it silently drops the oldest, so a test can check Pylon stays under it.
   */
  peakSubscriptions(): number;
  /** Closes every socket, the server and the database. Idempotent. */
  close(): Promise<void>;
}

const MESSAGE_TYPES = new Set(["EVENT", "REQ", "CLOSE", "AUTH"]);

const isObject = (o: unknown): o is Record<string, unknown> =>
  typeof o === "object" && o !== null && !Array.isArray(o);

/** NIP-01's event shape (the package checks id and signature itself, but assumes the types). */
function isEventShape(e: Record<string, unknown>): boolean {
  const strings = ["id", "pubkey", "content", "sig"].every((k) => typeof e[k] === "string");
  const tags =
    Array.isArray(e.tags) && e.tags.every((t) => Array.isArray(t) && t.every((v) => typeof v === "string"));
  return strings && tags && Number.isInteger(e.kind) && Number.isInteger(e.created_at);
}

/**
 * The shape the package expects (its `handleMessage` asks for validation first, by @nostr-relay/validator,
 * which we do not use): a known message type, an event of NIP-01's shape, filters that are objects. What
 * fails gets `OK false "invalid: …"` when it names an event id, else a NOTICE.
 */
function parse(data: RawData): IncomingMessage | { notice: string } | { id: string; refusal: string } {
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    return { notice: "invalid: message is not JSON" };
  }
  if (!Array.isArray(message) || !MESSAGE_TYPES.has(message[0]))
    return { notice: "invalid: unknown message type" };
  const [type, first, ...rest] = message as [string, unknown, ...unknown[]];
  if (type === "EVENT" || type === "AUTH") {
    if (!isObject(first)) return { notice: `invalid: ${type} without an event` };
    if (!isEventShape(first))
      return typeof first.id === "string"
        ? { id: first.id, refusal: "invalid: malformed event" }
        : { notice: "invalid: malformed event" };
    return message as IncomingMessage;
  }
  if (typeof first !== "string") return { notice: "invalid: subscription id is not a string" };
  if (type === "REQ" && !rest.every(isObject)) return { notice: "invalid: a filter is not an object" };
  return message as IncomingMessage;
}

function logger(log: ((line: string) => void) | undefined): Logger {
  const line =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      log?.(`foreign relay ${level}: ${message}${args.length ? ` ${args.map(String).join(" ")}` : ""}`);
  return { setLogLevel: () => {}, debug: () => {}, info: () => {}, warn: line("warn"), error: line("error") };
}

/** Starts the foreign relay on 127.0.0.1 (a free port), closed at cleanup. */
export async function startForeignRelay(
  cleanup: Cleanup,
  options: ForeignRelayOptions = {},
): Promise<ForeignRelay> {
  const repository = new EventRepositorySqlite(options.db ?? ":memory:");
  await repository.init();
  const relay = new NostrRelay(repository, {
    logger: logger(options.log),
    ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
    ...(options.maxSubscriptionsPerClient !== undefined
      ? { maxSubscriptionsPerClient: options.maxSubscriptionsPerClient }
      : {}),
    ...(options.filterResultCacheTtl !== undefined
      ? { filterResultCacheTtl: options.filterResultCacheTtl }
      : {}),
  });

  // The package has no HTTP side and no option for a NIP-11 document: plain HTTP requests get a 404.
  const server = createServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("no NIP-11 document: @nostr-relay/core serves WebSockets only\n");
  });
  const wss = new WebSocketServer({ server });
  let peak = 0;
  wss.on("connection", (ws: WebSocket, req: HttpRequest) => {
    relay.handleConnection(ws, req.socket.remoteAddress);
    const open = new Set<string>();
    ws.on("message", (data) => {
      const message = parse(data);
      if ("notice" in message) return ws.send(JSON.stringify(["NOTICE", message.notice]));
      if ("refusal" in message) return ws.send(JSON.stringify(["OK", message.id, false, message.refusal]));
      if (message[0] === "REQ") peak = Math.max(peak, open.add(message[1]).size);
      else if (message[0] === "CLOSE") open.delete(message[1]);
      // A failure costs this message, never the relay.
      relay.handleMessage(ws, message).catch((error: unknown) => {
        options.log?.(`foreign relay: ${String(error)}`);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(["NOTICE", "error: internal error"]));
      });
    });
    ws.on("close", () => relay.handleDisconnect(ws));
    ws.on("error", (error) => options.log?.(`foreign relay websocket error: ${error.message}`));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.destroy();
      await repository.destroy();
    })();
    return closing;
  };
  return cleanup.use({ url: `ws://127.0.0.1:${port}`, port, peakSubscriptions: () => peak, close }, (r) =>
    r.close(),
  );
}
