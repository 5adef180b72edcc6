/**
 * @pylon/relay: a local Nostr relay (NIP-01, 09, 11, 40, 42) over WebSockets with SQLite storage.
 */
export type { RelayMetrics } from "./metrics.js";
export { DEFAULT_LIMITS, type RelayLimits, type RelayOptions } from "./options.js";
export { type RunningRelay, startRelay } from "./relay.js";
export { SUPPORTED_NIPS } from "./relay-info.js";
