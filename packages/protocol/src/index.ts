export {
  DEFAULT_MAX_EVENT_CHARS,
  type Envelope,
  type EventTemplate,
  eventTemplateSchema,
  type NostrEvent,
  nostrEventSchema,
  readEnvelope,
} from "./event.js";
export {
  isJobRequestKind,
  isJobResultKind,
  JOB_REQUEST_KIND_MAX,
  JOB_REQUEST_KIND_MIN,
  Kind,
  RESULT_KIND_OFFSET,
  requestKindFor,
  resultKindFor,
} from "./kinds.js";
export {
  buildJobCancel,
  cancelsJob,
  type JobCancel,
  type JobCancelSpec,
  jobCancelTagSchema,
  type ParsedJobCancel,
  parseJobCancel,
} from "./nip09.js";
export { expirationOf, expirationTag, isExpired } from "./nip40.js";
export {
  ConversationKeyCache,
  type DecryptedParams,
  type DecryptOutcome,
  decryptContent,
  decryptParams,
  detectEncryptionScheme,
  type EncryptionScheme,
  encryptContent,
  encryptParams,
  type KeySource,
  MAX_ENCRYPTED_PAYLOAD_CHARS,
} from "./nip44.js";
export {
  type AnnouncementSpec,
  announcementFilter,
  announcementTagSchema,
  buildAnnouncement,
  DEFAULT_MAX_SILENCE_SEC,
  isProviderLive,
  type ParsedAnnouncement,
  type ProviderAnnouncement,
  type ProviderStatus,
  PYLON_TOPIC,
  parseAnnouncement,
  priceForModel,
} from "./nip89.js";
export {
  ANNOUNCEMENT_SCHEMA_VERSION,
  type AnnouncementContent,
  type ModelOffer,
  type PaymentOptions,
  type ProviderCapacity,
  type ProviderLoad,
} from "./nip89-content.js";
export {
  BATCH_INPUT_TYPE,
  type BatchItem,
  type BatchItemResult,
  type BatchItemsRead,
  batchInput,
  decodeBatchResults,
  encodeBatchResults,
  MAX_BATCH_ITEM_ID_CHARS,
  MAX_BATCH_ITEMS,
  readBatchItems,
} from "./nip90-batch.js";
export {
  buildJobFeedback,
  type JobFeedback,
  type JobFeedbackSpec,
  jobFeedbackTagSchema,
  type ParsedJobFeedback,
  parseJobFeedback,
} from "./nip90-feedback.js";
export {
  INPUT_TYPES,
  type InputType,
  inputTag,
  inputTagSchema,
  type JobInput,
  SYSTEM_MARKER,
} from "./nip90-inputs.js";
export {
  canonicalParamKey,
  type GenerationParams,
  isReservedParamKey,
  MAX_STOP_SEQUENCES,
  paramTags,
} from "./nip90-params.js";
export { OUTPUT_PART_TAG, outputPartTag, readOutputPart } from "./nip90-parts.js";
export type { JobRef, ParseReplyOptions, ReplyEncryption } from "./nip90-reply.js";
export {
  buildEncryptedJobRequest,
  buildJobRequest,
  DEFAULT_OUTPUT_MIME,
  type EncryptedJobRequestSpec,
  type JobRequestSpec,
  jobRequestTagSchema,
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
  jobResultTagSchema,
  type ParsedJobResult,
  parseJobResult,
} from "./nip90-result.js";
export type { ParseFailure, ParseFailureCode } from "./parse-result.js";
export {
  type AmountRead,
  amountTag,
  amountTagSchema,
  bidTag,
  bidTagSchema,
  CASHU_PARAM,
  CASHU_REQUEST_TAG,
  cashuParamTag,
  cashuParamTagSchema,
  cashuRequestTag,
  type PaymentAmount,
  parseMsats,
  readAmount,
  readCashuRequest,
  readTabBalance,
  TAB_PARAM,
  type TabAction,
  tabBalanceTag,
  tabParamTag,
} from "./payment.js";
export {
  type BidCheck,
  checkBid,
  jobCostMsats,
  maxAffordableOutputTokens,
  maxJobCostMsats,
  msatsToSats,
  satsToMsats,
  type TokenPrice,
  type TokenUsage,
} from "./price.js";
export {
  isJobStatus,
  JOB_STATUSES,
  type JobStatus,
  normaliseStatus,
  type StatusNormalisation,
} from "./status.js";
export {
  firstTag,
  hasTag,
  hex64Schema,
  isHex64,
  pubkeysTagged,
  sanitizeTags,
  type Tag,
  tagSchema,
  tagsNamed,
  tagValue,
} from "./tags.js";
