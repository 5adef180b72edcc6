/**
 * One client WebSocket: parses its messages and answers them (NIP-01 EVENT/REQ/CLOSE, NIP-42 AUTH).
 *
 * Every refusal is an answer (OK false, CLOSED or NOTICE) and never closes the connection; the only reasons
 * a connection is closed by the relay are a slow consumer and relay shutdown.
 */
import { randomBytes } from "node:crypto";
import { isHex64 } from "@pylon/protocol";
import WebSocket from "ws";
import { Admission } from "./admission.js";
import { type NostrEvent, nowSeconds } from "./event.js";
import type { Filter } from "./filter.js";
import {
  authChallengeMessage,
  closedMessage,
  eoseMessage,
  eventMessage,
  noticeMessage,
  okMessage,
} from "./messages.js";
import type { MetricsRecorder } from "./metrics.js";
import type { ResolvedOptions } from "./options.js";
import type { EventPipeline } from "./pipeline.js";
import type { EventStore } from "./store/event-store.js";
import type { SubscriptionIndex } from "./subscription-index.js";
import type { SignatureVerifier } from "./verifier.js";

/** The relay-wide services a connection works with. */
export interface RelayContext {
  readonly options: ResolvedOptions;
  readonly metrics: MetricsRecorder;
  readonly store: EventStore;
  /** Verifies AUTH events on this thread (they are rare and need an immediate answer). */
  readonly verifier: SignatureVerifier;
  readonly subscriptions: SubscriptionIndex<ClientSubscription>;
  /** Verifies and stores EVENTs in batches; answers arrive through `acknowledge`. */
  readonly pipeline: EventPipeline<ClientConnection>;
  /** The relay's own ws:// URL (NIP-42 relay tag). */
  readonly url: string;
  /** Delivers a newly accepted event to every matching live subscription. */
  broadcast(event: NostrEvent, raw: string): void;
}

export interface ClientSubscription {
  readonly owner: ClientConnection;
  readonly id: string;
  /** The id JSON-encoded once, for splicing into EVENT/EOSE messages. */
  readonly idJson: string;
  readonly filters: readonly Filter[];
}

/** Finds an event id in a message too large to parse, so the refusal can be an OK the publisher waits for. */
const ID_IN_RAW = /"id"\s*:\s*"([0-9a-f]{64})"/;

/** The id of an event-like value, when it is well-formed enough to answer with an OK. */
function idOf(candidate: unknown): string | null {
  if (typeof candidate !== "object" || candidate === null) return null;
  const id = (candidate as { id?: unknown }).id;
  return isHex64(id) ? id : null;
}

/** ws hands out Buffers by default; the other RawData shapes are normalised just in case. */
function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(new Uint8Array(data));
}

export class ClientConnection {
  readonly challenge = randomBytes(16).toString("hex");
  readonly #subscriptions = new Map<string, ClientSubscription>();
  readonly #admission: Admission;
  #closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: RelayContext,
    /** The Host header of the upgrade request: the address the client believes the relay has. */
    private readonly hostHeader: string | undefined,
  ) {
    this.#admission = new Admission(ctx);
  }

  /** NIP-42: every connection gets a challenge up front; clients answer it when they need to. */
  start(): void {
    this.send(authChallengeMessage(this.challenge));
  }

  send(message: string): void {
    if (this.#closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.ctx.options.limits.maxBufferedBytes) {
      // A reader this slow would make the relay buffer without bound; it can reconnect and catch up.
      // No close frame: it would only queue behind everything the client is not reading.
      this.ctx.options.log(`dropping slow consumer (${this.ws.bufferedAmount} bytes unsent)`);
      this.dispose();
      this.ws.terminate();
      return;
    }
    this.ws.send(message);
  }

  sendEvent(sub: ClientSubscription, raw: string): void {
    this.send(eventMessage(sub.idJson, raw));
  }

  /** Removes every subscription of this connection from the relay (on close). */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subscriptions.values()) this.ctx.subscriptions.remove(sub);
    this.#subscriptions.clear();
  }

  handleMessage(data: WebSocket.RawData): void {
    const { metrics, options } = this.ctx;
    const buffer = toBuffer(data);
    const text = buffer.toString("utf8");
    const bytes = buffer.byteLength;
    metrics.messagesReceived++;
    metrics.bytesReceived += bytes;

    if (bytes > options.limits.maxMessageBytes) {
      const reason = `invalid: message too large (${bytes} bytes, limit ${options.limits.maxMessageBytes})`;
      const id = text.startsWith('["EVENT"') ? ID_IN_RAW.exec(text)?.[1] : undefined;
      if (id !== undefined) {
        metrics.eventsReceived++;
        this.#refuseEvent(id, reason);
      } else this.#notice(reason);
      return;
    }

    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.#notice("invalid: message is not valid JSON");
      return;
    }
    if (!Array.isArray(message) || typeof message[0] !== "string") {
      this.#notice("invalid: message must be a JSON array whose first element is a string");
      return;
    }
    switch (message[0]) {
      case "EVENT":
        this.#onEvent(message);
        return;
      case "REQ":
        this.#onReq(message);
        return;
      case "CLOSE":
        this.#onClose(message);
        return;
      case "AUTH":
        this.#onAuth(message);
        return;
      default:
        this.#notice(`invalid: unknown message type ${JSON.stringify(message[0].slice(0, 32))}`);
    }
  }

  /** Called by the relay after the group commit that stored (or refused) this connection's event. */
  acknowledge(eventId: string, accepted: boolean, reason: string): void {
    if (!accepted) this.ctx.metrics.refuseEvent(reason);
    this.send(okMessage(eventId, accepted, reason));
  }

  #notice(text: string): void {
    this.ctx.metrics.notices++;
    if (text.startsWith("invalid:")) this.ctx.metrics.invalidMessages++;
    this.send(noticeMessage(text));
  }

  #refuseEvent(id: string, reason: string): void {
    this.ctx.metrics.refuseEvent(reason);
    this.send(okMessage(id, false, reason));
  }

  #onEvent(message: unknown[]): void {
    const { metrics, pipeline } = this.ctx;
    metrics.eventsReceived++;
    const id = idOf(message[1]);
    if (id === null) {
      // Without a well-formed id there is nothing an OK could refer to.
      metrics.refuseEvent("invalid:");
      this.#notice("invalid: EVENT needs an event object with a 64-character hex id");
      return;
    }
    const admitted = this.#admission.event(message);
    if (typeof admitted === "string") {
      this.#refuseEvent(id, admitted);
      return;
    }
    const { event, raw, known } = admitted;
    if (known) {
      metrics.eventsDuplicate++;
      this.send(okMessage(id, true, "duplicate: already have this event"));
      return;
    }
    pipeline.submit({ event, raw, origin: this });
  }

  #onReq(message: unknown[]): void {
    const { metrics, options, store, subscriptions } = this.ctx;
    metrics.reqsReceived++;
    const subId = message[1];
    if (typeof subId !== "string" || subId.length === 0 || subId.length > options.limits.maxSubIdLength) {
      metrics.refuseReq("invalid:");
      this.#notice(
        `invalid: subscription id must be a string of 1 to ${options.limits.maxSubIdLength} characters`,
      );
      return;
    }
    const subIdJson = JSON.stringify(subId);
    const filters = this.#admission.req(message, this.#subscriptions.has(subId), this.#subscriptions.size);
    const previous = this.#subscriptions.get(subId);
    if (previous) {
      // A REQ reusing an id replaces that subscription; a refused one leaves it closed, as CLOSED says.
      subscriptions.remove(previous);
      this.#subscriptions.delete(subId);
    }
    if (typeof filters === "string") {
      metrics.refuseReq(filters);
      this.send(closedMessage(subIdJson, filters));
      return;
    }

    // Registering and querying happen in one synchronous step, and commits (with their fan-out) happen in
    // their own steps: every event reaches this subscription exactly once, live or from the store.
    const sub: ClientSubscription = { owner: this, id: subId, idJson: subIdJson, filters };
    this.#subscriptions.set(subId, sub);
    subscriptions.add(sub);
    const rows = store.query(filters, nowSeconds());
    for (const row of rows) this.send(eventMessage(subIdJson, row.raw));
    metrics.eventsServed += rows.length;
    this.send(eoseMessage(subIdJson));
  }

  #onClose(message: unknown[]): void {
    const subId = message[1];
    if (typeof subId !== "string") {
      this.#notice("invalid: CLOSE needs a subscription id string");
      return;
    }
    const sub = this.#subscriptions.get(subId);
    if (!sub) return;
    this.#subscriptions.delete(subId);
    this.ctx.subscriptions.remove(sub);
  }

  #onAuth(message: unknown[]): void {
    const { metrics } = this.ctx;
    const id = idOf(message[1]);
    if (id === null) {
      metrics.authFailed++;
      this.#notice("invalid: AUTH needs a signed kind 22242 event");
      return;
    }
    const result = this.#admission.auth(message[1], this.challenge, this.hostHeader);
    if (result.ok) {
      metrics.authSucceeded++;
      this.send(okMessage(id, true, ""));
    } else {
      metrics.authFailed++;
      this.send(okMessage(id, false, result.reason));
    }
  }
}
