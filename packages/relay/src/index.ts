/**
 * @pylon/relay: a local Nostr relay (NIP-01, 09, 11, 13, 40, 42) over WebSockets with SQLite storage.
 */

// Starting and stopping a relay
export { type RunningRelay, startRelay } from "./relay.js";

// Options and limits
export type { RelayLimits, RelayOptions } from "./options.js";

// Counters, as `metrics()` and GET /metrics report them
export type { RelayMetrics } from "./metrics.js";
