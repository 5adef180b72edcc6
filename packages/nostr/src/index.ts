/**
 * @pylon/nostr: the one way Pylon talks to relays, and the buyer's job client.
 */

// Relay pool: reconnect with resubscription, per-relay publish answers, subscriptions and queries
export { type PublishOptions, type QueryOptions, RelayPool, type RelayPoolOptions } from "./pool.js";
export {
  DEFAULT_PAGE_SIZE,
  type QueryAllOptions,
  type RelayPage,
  type RelayQueryAnswer,
} from "./paged-query.js";

// Relays' own rules: NIP-11 limits, NIP-13 proof of work, how their OK/CLOSED answers are read
export {
  DEFAULT_WRITE_LIMITS,
  type RelayInformation,
  type RelayLimitation,
  type WriteLimits,
} from "./relay-info.js";
export { countLeadingZeroBits, minePow, minePowAsync, type PowDraft, PowError } from "./pow.js";
export { classifyRelayAnswer, type RelayAnswer } from "./relay-answers.js";
export { describeRelayTrouble } from "./relay-trouble.js";

// Job client (NIP-90 buyer): submit one request, await its feedback and result
export { JobClient, type JobClientOptions, type JobSpec } from "./job-client.js";
export { type AwaitOptions, JobError, type JobFailureCode, type JobOutcome } from "./job-watch.js";
export { StreamOrder } from "./stream-order.js";

// What the pool reports: publish answers, relay states, the hooks that observe them
export type { PoolHooks, PublishResult, RelayReason, RelayState, RelayStatus } from "./types.js";

// Subscriptions: what to subscribe to, the handle back, end-of-stored-events and closes, event streams
export type { ClosedInfo, EoseInfo, SubscribeParams, SubscriptionHandle } from "./subscription.js";
export type { EventStream, StreamOptions } from "./event-stream.js";

// Errors the pool throws
export { PublishError, RelayError } from "./errors.js";

// Keys and signatures: key files (0600), signing, nostr-wasm verification
export { KeyFileError, type KeyFileOptions, type LoadedKey, loadOrCreateKey } from "./keyfile.js";
export { type EventDraft, getPublicKey, signEvent } from "./sign.js";
export { initFastVerify, type VerifierBackend, verifyEvent } from "./verify.js";

// `pylon doctor`'s relay checks: NIP-11, connect time, AUTH, a write read back
export { probeRelay, type RelayCheck, type RelayProbe, type RelayProbeOptions } from "./relay-probe.js";

// Relay URLs in the normal form the pool compares them by
export { normaliseRelayUrl } from "./relay-url.js";

// Reconnect backoff, also used for the swarm's retries
export { type BackoffOptions, backoffDelay } from "./backoff.js";

// Event types (nostr-tools), shared with @pylon/protocol
export type { EventTemplate, NostrEvent } from "nostr-tools/core";
export type { Filter } from "nostr-tools/filter";
