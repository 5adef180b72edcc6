/**
 * @pylon/nostr: the one way Pylon talks to relays, and the buyer's job client.
 */

// Event types (nostr-tools), shared with @pylon/protocol
export type { EventTemplate, NostrEvent } from "nostr-tools/core";
export type { Filter } from "nostr-tools/filter";
// Reconnect backoff, also used for the swarm's retries
export { type BackoffOptions, backoffDelay } from "./backoff.js";
// Relay pool: reconnect with resubscription, per-relay publish answers, subscriptions and queries
export { PublishError, RelayError } from "./errors.js";
export type { EventStream, StreamOptions } from "./event-stream.js";
// Job client (NIP-90 buyer): submit one request, await its feedback and result
export { JobClient, type JobClientOptions, type JobSpec } from "./job-client.js";
export { type AwaitOptions, JobError, type JobFailureCode, type JobOutcome } from "./job-watch.js";
// Keys and signatures: key files (0600), signing, nostr-wasm verification
export { KeyFileError, type KeyFileOptions, type LoadedKey, loadOrCreateKey } from "./keyfile.js";
export { type PublishOptions, type QueryOptions, RelayPool, type RelayPoolOptions } from "./pool.js";
export { normalizeRelayUrl } from "./relay-url.js";
export { type EventDraft, getPublicKey, signEvent } from "./sign.js";
// Types the signatures above refer to.
export type { ClosedInfo, EoseInfo, SubscribeParams, SubscriptionHandle } from "./subscription.js";
export type { PoolHooks, PublishResult, RelayReason, RelayState, RelayStatus } from "./types.js";
export type { VerifierBackend } from "./verify.js";
export { initFastVerify, verifyEvent } from "./verify.js";
