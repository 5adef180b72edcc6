/**
 * Relay counters. `snapshot()` returns plain JSON, served at GET /metrics and by RunningRelay.metrics().
 */

/** A JSON snapshot of what the relay has done since it started. */
export interface RelayMetrics {
  startedAt: string;
  uptimeSeconds: number;
  connections: { open: number; total: number };
  /** WebSocket messages in; NOTICEs sent, and how many of them answered invalid input. */
  messages: { received: number; bytesReceived: number; notices: number; invalid: number };
  events: {
    /** EVENT messages received (before any check). */
    received: number;
    /** Newly written to the store. */
    stored: number;
    /** Ephemeral events accepted and fanned out (never stored). */
    ephemeral: number;
    /** Accepted with `duplicate:` (already stored, or an older replaceable version). */
    duplicate: number;
    /** Refused with `OK false`, counted per reason prefix ("invalid", "blocked", "rate-limited", …). */
    refused: Record<string, number>;
    /** Older versions removed by replaceable / addressable events. */
    replaced: number;
    /** Removed by NIP-09 deletion requests. */
    deleted: number;
    /** Removed by the NIP-40 purge. */
    expiredPurged: number;
    /** Events currently in the store. */
    inStore: number;
  };
  reqs: {
    /** REQ messages received. */
    received: number;
    /** Refused with CLOSED, counted per reason prefix. */
    refused: Record<string, number>;
    /** Stored events sent in answer to REQs. */
    eventsServed: number;
  };
  subscriptions: { open: number };
  /** Live events delivered to subscriptions (one per subscription per event). */
  fanout: { eventsSent: number };
  auth: { succeeded: number; failed: number };
  /** Signature verification of EVENTs: backend, worker threads alive, events verified where. */
  verification: {
    backend: "wasm" | "js";
    workersRunning: number;
    verifiedInline: number;
    verifiedOnWorkers: number;
  };
}

/** The machine-readable prefix of an OK/CLOSED reason, e.g. "invalid" for "invalid: bad signature". */
export function reasonPrefix(reason: string): string {
  const colon = reason.indexOf(":");
  return colon > 0 ? reason.slice(0, colon) : "other";
}

function bump(counts: Record<string, number>, reason: string): void {
  const prefix = reasonPrefix(reason);
  counts[prefix] = (counts[prefix] ?? 0) + 1;
}

export class MetricsRecorder {
  readonly #startedAt = Date.now();
  connectionsOpen = 0;
  connectionsTotal = 0;
  messagesReceived = 0;
  bytesReceived = 0;
  notices = 0;
  invalidMessages = 0;
  eventsReceived = 0;
  eventsStored = 0;
  eventsEphemeral = 0;
  eventsDuplicate = 0;
  readonly eventsRefused: Record<string, number> = {};
  eventsReplaced = 0;
  eventsDeleted = 0;
  eventsExpiredPurged = 0;
  reqsReceived = 0;
  readonly reqsRefused: Record<string, number> = {};
  eventsServed = 0;
  fanoutSent = 0;
  authSucceeded = 0;
  authFailed = 0;

  refuseEvent(reason: string): void {
    bump(this.eventsRefused, reason);
  }

  refuseReq(reason: string): void {
    bump(this.reqsRefused, reason);
  }

  snapshot(live: {
    subscriptionsOpen: number;
    eventsInStore: number;
    verification: RelayMetrics["verification"];
  }): RelayMetrics {
    return {
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000),
      connections: { open: this.connectionsOpen, total: this.connectionsTotal },
      messages: {
        received: this.messagesReceived,
        bytesReceived: this.bytesReceived,
        notices: this.notices,
        invalid: this.invalidMessages,
      },
      events: {
        received: this.eventsReceived,
        stored: this.eventsStored,
        ephemeral: this.eventsEphemeral,
        duplicate: this.eventsDuplicate,
        refused: { ...this.eventsRefused },
        replaced: this.eventsReplaced,
        deleted: this.eventsDeleted,
        expiredPurged: this.eventsExpiredPurged,
        inStore: live.eventsInStore,
      },
      reqs: {
        received: this.reqsReceived,
        refused: { ...this.reqsRefused },
        eventsServed: this.eventsServed,
      },
      subscriptions: { open: live.subscriptionsOpen },
      fanout: { eventsSent: this.fanoutSent },
      auth: { succeeded: this.authSucceeded, failed: this.authFailed },
      verification: live.verification,
    };
  }
}
