/**
 * @pylon/protocol: the wire format of the Pylon market, pure (no sockets, files or clocks). Builders return
 * unsigned templates; parsers are lenient about spellings and strict about shape (see docs/protocol.md).
 */

export type { EventTemplate, NostrEvent } from "./event.js";
// Events and kinds (NIP-01): the nostr-tools event types, the strict shape check, the kinds the market uses
export { eventShapeProblem, isSignedEventShape, plainEvent } from "./event-shape.js";
export { Kind, requestKindFor, resultKindFor } from "./kinds.js";
// Cancellation (NIP-09 kind 5 naming a request)
export {
  buildJobCancel,
  cancelsJob,
  type JobCancel,
  type JobCancelSpec,
  type ParsedJobCancel,
  parseJobCancel,
} from "./nip09.js";
export { expirationTag, isExpired } from "./nip40.js";
export type { KeySource } from "./nip44.js";
// Encryption of params and replies (NIP-44, NIP-04 accepted)
export { ConversationKeyCache, type EncryptionScheme } from "./nip44.js";
// Provider announcements (NIP-89 kind 31990) and liveness
export {
  type AnnouncementSpec,
  announcementFilter,
  buildAnnouncement,
  DEFAULT_MAX_SILENCE_SEC,
  isProviderLive,
  type ParsedAnnouncement,
  type ProviderAnnouncement,
  type ProviderStatus,
  parseAnnouncement,
  priceForModel,
} from "./nip89.js";
// Types the signatures above refer to.
export type {
  AnnouncementContent,
  ModelOffer,
  PaymentOptions,
  ProviderCapacity,
  ProviderLoad,
} from "./nip89-content.js";
// Batched requests: many items in one job, and their results (a Pylon extension)
export {
  type BatchItem,
  type BatchItemResult,
  batchInput,
  decodeBatchResults,
  encodeBatchResults,
  MAX_BATCH_ITEMS,
} from "./nip90-batch.js";
// Feedback and results (NIP-90 kinds 7000 and 6xxx), outputs split into parts
export {
  buildJobFeedback,
  type JobFeedback,
  type JobFeedbackSpec,
  type ParsedJobFeedback,
  parseJobFeedback,
} from "./nip90-feedback.js";
// Types the signatures above refer to.
export type { InputType, JobInput } from "./nip90-inputs.js";
export { INPUT_TYPES } from "./nip90-inputs.js";
// Job requests (NIP-90 kind 5xxx): build, encrypt to a provider, parse
export type { GenerationParams } from "./nip90-params.js";
export { outputPartTag, readOutputPart } from "./nip90-parts.js";
export type { JobRef, ParseReplyOptions, ReplyEncryption } from "./nip90-reply.js";
export {
  buildEncryptedJobRequest,
  buildJobRequest,
  type EncryptedJobRequestSpec,
  type JobRequestSpec,
} from "./nip90-request.js";
export {
  type JobRequest,
  type ParsedJobRequest,
  type ParseJobRequestOptions,
  parseJobRequest,
} from "./nip90-request-parse.js";
export {
  buildJobResult,
  type JobResult,
  type JobResultSpec,
  type ParsedJobResult,
  parseJobResult,
} from "./nip90-result.js";
export type { ParseFailure, ParseFailureCode } from "./parse-result.js";
export type { PaymentAmount } from "./payment.js";
// Payment tags: Cashu payment requests and tabs (see docs/payments.md)
export { cashuRequestTag, TAB_PARAM, tabBalanceTag } from "./payment.js";
export type { BidCheck } from "./price.js";
// Price math in millisats, as providers bill and buyers bid
export {
  checkBid,
  jobCostMsats,
  maxJobCostMsats,
  msatsToSats,
  type TokenPrice,
  type TokenUsage,
} from "./price.js";
export type { JobStatus } from "./status.js";
export { JOB_STATUSES } from "./status.js";
export type { Tag } from "./tags.js";
export { isHex64 } from "./tags.js";
