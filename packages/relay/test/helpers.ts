/**
 * Test helpers: relays that are always closed after the test, a raw WebSocket client for malformed input,
 * and signing that returns JSON-round-tripped events (no cached "verified" flag can leak into the relay).
 */

import { Cleanup, nowSec } from "@pylon/testkit";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { type EventTemplate, finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { useWebSocketImplementation as useRelayWebSocketImplementation } from "nostr-tools/relay";
import { afterEach, expect } from "vitest";
import WebSocket from "ws";
import type { NostrEvent } from "../src/event.js";
import type { RelayOptions } from "../src/options.js";
import { type RunningRelay, startRelay } from "../src/relay.js";

useWebSocketImplementation(WebSocket);
useRelayWebSocketImplementation(WebSocket);

/** Everything a test starts, undone after it in reverse order. */
export const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Registers work to run after the current test, in reverse order of registration. */
export function onCleanup(task: () => unknown): void {
  cleanup.add(task);
}

export async function relayForTest(opts: RelayOptions = {}): Promise<RunningRelay> {
  const relay = await startRelay(opts);
  onCleanup(() => relay.close());
  return relay;
}

/** A relay for this test and a raw client connected to it. */
export async function connectedRelay(
  opts: RelayOptions = {},
): Promise<{ relay: RunningRelay; client: RawClient }> {
  const relay = await relayForTest(opts);
  return { relay, client: await RawClient.connect(relay.url) };
}

/** Proves a connection still works after whatever it was sent: a valid event is accepted on it. */
export async function expectUsable(client: RawClient): Promise<void> {
  expect(await client.publish(sign(newKeys(), { content: "still alive" }))).toEqual([true, ""]);
}

export function poolForTest(): SimplePool {
  const pool = new SimplePool();
  onCleanup(() => pool.destroy());
  return pool;
}

export interface Keys {
  sk: Uint8Array;
  pk: string;
}

export function newKeys(): Keys {
  const sk = generateSecretKey();
  return { sk, pk: getPublicKey(sk) };
}

export function sign(keys: Keys, template: Partial<EventTemplate> = {}): NostrEvent {
  const event = finalizeEvent({ kind: 1, created_at: nowSec(), tags: [], content: "", ...template }, keys.sk);
  return JSON.parse(JSON.stringify(event)) as NostrEvent;
}

type Message = unknown[];

/** A bare WebSocket client that records every message, for driving the relay with arbitrary bytes. */
export class RawClient {
  readonly #queue: Message[] = [];
  readonly #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as Message;
      const index = this.#waiters.findIndex((w) => w.match(message));
      if (index >= 0) this.#waiters.splice(index, 1)[0]?.resolve(message);
      else this.#queue.push(message);
    });
  }

  static async connect(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    // Listen before "open": the relay's AUTH challenge can arrive in the same packet as the handshake.
    const client = new RawClient(ws);
    onCleanup(() => client.close());
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The first not-yet-consumed message that matches, waiting up to `timeoutMs` for it. */
  next(match: (m: Message) => boolean = () => true, timeoutMs = 3_000): Promise<Message> {
    const index = this.#queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0] as Message);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          new Error(`no matching message within ${timeoutMs} ms; unread: ${JSON.stringify(this.#queue)}`),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Sends an EVENT and returns the relay's OK as [accepted, reason]. */
  async publish(event: unknown, id = (event as { id: string }).id): Promise<[boolean, string]> {
    this.send(["EVENT", event]);
    const ok = await this.next((m) => m[0] === "OK" && m[1] === id);
    return [ok[2] as boolean, ok[3] as string];
  }

  /** Sends a REQ and collects stored events until EOSE (or the CLOSED that refused it). */
  async query(subId: string, ...filters: unknown[]): Promise<{ events: NostrEvent[]; closed?: string }> {
    this.send(["REQ", subId, ...filters]);
    const events: NostrEvent[] = [];
    for (;;) {
      const m = await this.next(
        (x) => x[1] === subId && ["EVENT", "EOSE", "CLOSED"].includes(x[0] as string),
      );
      if (m[0] === "EOSE") return { events };
      if (m[0] === "CLOSED") return { events, closed: m[2] as string };
      events.push(m[2] as NostrEvent);
    }
  }

  /** Resolves when nothing matching arrives within `ms`. */
  async expectSilence(match: (m: Message) => boolean, ms = 200): Promise<void> {
    const got = await this.next(match, ms).catch(() => null);
    if (got) throw new Error(`unexpected message ${JSON.stringify(got)}`);
  }

  /** Closes politely, or destroys the socket if the close handshake does not finish within a second. */
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.ws.terminate(), 1_000);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }
}
