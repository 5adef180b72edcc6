/**
 * @pylon/protocol: the wire format of the Pylon market, pure (no sockets, files or clocks). Builders return
 * unsigned templates; parsers are lenient about spellings and strict about shape (see docs/protocol.md).
 */

// Job requests (NIP-90 kind 5xxx): build one, plain or encrypted to a provider, and parse it
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

// What a request carries: its inputs and generation params
export {
  type ChatTurn,
  INPUT_TYPES,
  type InputType,
  isTurnMarker,
  type JobInput,
  TURN_MARKERS,
  type TurnRole,
} from "./nip90-inputs.js";
export type { GenerationParams } from "./nip90-params.js";

// Results (NIP-90 kinds 6xxx), outputs split into parts
export {
  buildJobResult,
  type JobResult,
  type JobResultSpec,
  type ParsedJobResult,
  parseJobResult,
} from "./nip90-result.js";
export { outputPartTag, readOutputPart } from "./nip90-parts.js";

// Feedback (NIP-90 kind 7000) and the job statuses it reports
export {
  buildJobFeedback,
  type JobFeedback,
  type JobFeedbackSpec,
  type ParsedJobFeedback,
  parseJobFeedback,
} from "./nip90-feedback.js";
export { JOB_STATUSES, type JobStatus } from "./status.js";

// Streaming: the answer as it is generated, in `partial` feedback numbered by `seq` (a Pylon extension)
export {
  buildStreamPartial,
  isStreamPiece,
  MAX_STREAM_SEQ,
  readStreamSeq,
  STREAM_PARAM,
  STREAM_SEQ_TAG,
  type StreamPartialSpec,
} from "./nip90-stream.js";

// What results and feedback share: the job they answer, how they are encrypted, how they are parsed
export type { JobRef, ParseReplyOptions, ReplyEncryption } from "./nip90-reply.js";

// Cancellation (NIP-09 kind 5 naming a request)
export {
  buildJobCancel,
  cancelsJob,
  type JobCancel,
  type JobCancelSpec,
  type ParsedJobCancel,
  parseJobCancel,
} from "./nip09.js";

// Batched requests: many items in one job, and their results (a Pylon extension)
export {
  type BatchItem,
  type BatchItemResult,
  batchInput,
  decodeBatchResults,
  encodeBatchResults,
  MAX_BATCH_ITEMS,
} from "./nip90-batch.js";

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

// Model identity: the model file's digest, size, architecture and quantisation a provider announces, and
// the digest a request may require (`GenerationParams.modelDigest`)
export { isModelDigest, type ModelIdentityFields } from "./model-identity.js";

// What an announcement offers: models and their prices, capacity, load, payment options
export type {
  AnnouncementContent,
  ModelOffer,
  PaymentOptions,
  ProviderCapacity,
  ProviderLoad,
} from "./nip89-content.js";

// Price math in millisats, as providers bill and buyers bid
export {
  type BidCheck,
  checkBid,
  jobCostMsats,
  maxJobCostMsats,
  msatsToSats,
  type TokenPrice,
  type TokenUsage,
} from "./price.js";

// Payment tags: amounts, Cashu payment requests and tabs (see docs/payments.md)
export {
  amountTag,
  cashuRequestTag,
  type PaymentAmount,
  TAB_PARAM,
  TAB_REFUND_TOPIC,
  tabBalanceTag,
  tabRefundTags,
} from "./payment.js";

// Encryption of params and replies (NIP-44, NIP-04 accepted)
export { ConversationKeyCache, type EncryptionScheme, type KeySource } from "./nip44.js";

// Verdicts shared between buyers: NIP-32 labels (kind 1985) naming a provider caught cheating
export {
  buildVerdictLabel,
  LABEL_KIND,
  MAX_VERDICT_JOBS,
  MAX_VERDICT_REASON_CHARS,
  parseVerdictLabel,
  VERDICT_LABEL,
  VERDICT_NAMESPACE,
  type VerdictLabel,
  type VerdictLabelSpec,
} from "./nip32.js";

// Expiration (NIP-40)
export { expirationTag, isExpired } from "./nip40.js";

// Events and kinds (NIP-01): the nostr-tools event types, the strict shape check, the kinds the market uses
export type { EventTemplate, NostrEvent } from "./event.js";
export { eventShapeProblem, isSignedEventShape, plainEvent } from "./event-shape.js";
export { Kind, requestKindFor, resultKindFor } from "./kinds.js";

// Building blocks every parser and builder shares: tags, and the failure a parser returns
export { isHex64, type Tag } from "./tags.js";
export type { ParseFailure, ParseFailureCode } from "./parse-result.js";
