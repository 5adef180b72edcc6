export type { EventTemplate, NostrEvent } from "nostr-tools/core";
export type { Filter } from "nostr-tools/filter";
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export { PublishError, RelayError } from "./errors.js";
export { isSignedEventShape } from "./event-shape.js";
export { EventStream, type StreamOptions } from "./event-stream.js";
export {
  type AwaitOptions,
  JobClient,
  type JobClientOptions,
  JobError,
  type JobFailureCode,
  type JobOutcome,
  type JobSpec,
} from "./job-client.js";
export { KeyFileError, type KeyFileOptions, type LoadedKey, loadOrCreateKey } from "./keyfile.js";
export { type PublishOptions, type QueryOptions, RelayPool, type RelayPoolOptions } from "./pool.js";
export { normalizeRelayUrl } from "./relay-url.js";
export { type EventDraft, getPublicKey, signEvent } from "./sign.js";
export type { ClosedInfo, EoseInfo, SubscribeParams, SubscriptionHandle } from "./subscription.js";
export type { PoolHooks, PublishResult, RelayReason, RelayState, RelayStatus } from "./types.js";
export { initFastVerify, type VerifierBackend, verifierBackend, verifyEvent } from "./verify.js";
