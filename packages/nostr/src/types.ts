/** One relay's answer to a publish: its NIP-01 OK message, or a local failure as `ok: false`. */
export interface PublishResult {
  relay: string;
  ok: boolean;
  /** The relay's OK message, or a local reason: "error: timeout", "error: connection failed: …", … */
  reason?: string;
}

/** Why a relay stopped serving a subscription. */
export interface RelayReason {
  relay: string;
  reason: string;
}

/** Hooks for things a long-running process wants to log rather than lose. */
export interface PoolHooks {
  /** A NOTICE from a relay. */
  onNotice?: (relay: string, message: string) => void;
  /**
   * A relay sent something unusable (not JSON, not a NIP-01 message, a malformed event, an event whose id or
   * signature does not verify); it was dropped. One line, no stack: it is the peer's data, not our bug.
   */
  onMalformed?: (relay: string, reason: string) => void;
  /** A consumer callback threw; the pool carried on. Defaults to console.error. */
  onCallbackError?: (err: unknown, where: string) => void;
}

/** Connection state of one relay. "waiting" = down, a reconnect is scheduled. */
export type RelayState = "idle" | "connecting" | "open" | "waiting" | "closed";

export interface RelayStatus {
  relay: string;
  state: RelayState;
  /** Successful connections so far (the first one included). */
  connects: number;
  /** Failed attempts and short-lived connections since the last stable connection (drives the backoff). */
  failedAttempts: number;
  /** Events dropped because their id or signature did not verify. */
  invalidEvents: number;
  /** Events dropped for any reason (invalid, or not matching the subscription's filters). */
  droppedEvents: number;
  lastError?: string;
  /** NIP-42 on the current connection: our AUTH on its way, or the relay's verdict on it. */
  auth?: "pending" | "accepted" | "refused";
  /** The relay answered a write with `blocked:`/`restricted:` (its words): no more writes go to it. */
  writesRefused?: string;
}
