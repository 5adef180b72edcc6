/**
 * A relay that forwards what an honest one would refuse: a raw `ws` server speaking just enough NIP-01 to
 * hold a node's subscriptions, push any event (or any text) to them, and record what the node publishes.
 * Pylon's relay and every public one stop oversize, malformed and far-future events before a node sees
 * them; this one does not, so the node's own checks are what the tests see.
 */
import type { AddressInfo } from "node:net";
import type { NostrEvent } from "@pylon/protocol";
import type { Cleanup } from "@pylon/testkit";
import { type WebSocket, WebSocketServer } from "ws";

interface Sub {
  socket: WebSocket;
  id: string;
  filters: Array<{ kinds?: number[] }>;
}

export interface HostileRelay {
  url: string;
  /** Events the node published (each answered OK). */
  published: NostrEvent[];
  /** Sends `event` to every open subscription whose filters name its kind; resolves with how many. */
  push(event: unknown, kind?: number): number;
  /** Sends raw text to every connection (not even JSON, if the test likes). */
  pushRaw(text: string): void;
  /**
   * Answers the next REQ naming `kind` with its EOSE and, in the same tick (so the node reads both at once,
   * as from a busy relay's stream), `event` to the subscriptions naming the event's kind.
   */
  afterEose(kind: number, event: NostrEvent): void;
}

export async function startHostileRelay(cleanup: Cleanup): Promise<HostileRelay> {
  // No maxPayload: this relay takes and sends whatever it is given.
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const subs = new Map<string, Sub>();
  const published: NostrEvent[] = [];
  const afterEose: Array<{ kind: number; event: NostrEvent }> = [];
  const push = (event: unknown, kind = (event as { kind?: number }).kind): number => {
    let sent = 0;
    for (const sub of subs.values()) {
      if (!sub.filters.some((f) => kind !== undefined && f.kinds?.includes(kind))) continue;
      sub.socket.send(JSON.stringify(["EVENT", sub.id, event]));
      sent++;
    }
    return sent;
  };
  server.on("connection", (socket) => {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as unknown[];
      const [type, first] = message;
      if (type === "REQ") {
        const id = String(first);
        const filters = message.slice(2) as Sub["filters"];
        subs.set(id, { socket, id, filters });
        socket.send(JSON.stringify(["EOSE", id]));
        const armed = afterEose.findIndex((a) => filters.some((f) => f.kinds?.includes(a.kind)));
        if (armed >= 0) push(afterEose.splice(armed, 1)[0]?.event);
      } else if (type === "CLOSE") {
        subs.delete(String(first));
      } else if (type === "EVENT") {
        const event = first as NostrEvent;
        published.push(event);
        socket.send(JSON.stringify(["OK", event.id, true, ""]));
      }
    });
    socket.on("close", () => {
      for (const [id, sub] of subs) if (sub.socket === socket) subs.delete(id);
    });
  });
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    published,
    push,
    pushRaw(text) {
      for (const socket of server.clients) socket.send(text);
    },
    afterEose(kind, event) {
      afterEose.push({ kind, event });
    },
  };
}
