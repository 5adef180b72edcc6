/** Kind-7000 job feedback: build what we send, read what providers send us. */
import { z } from "zod";
import { DEFAULT_MAX_EVENT_CHARS, type EventTemplate, readEnvelope } from "./event.js";
import { Kind } from "./kinds.js";
import { decryptContent, detectEncryptionScheme, type EncryptionScheme } from "./nip44.js";
import {
  encryptForBuyer,
  type JobRef,
  jobRefTags,
  type ParseReplyOptions,
  type ReplyEncryption,
  readJobRef,
} from "./nip90-reply.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { amountTag, amountTagSchema, type PaymentAmount, readAmount, readCashuRequest } from "./payment.js";
import { isJobStatus, JOB_STATUSES, type JobStatus, normaliseStatus } from "./status.js";
import {
  encryptedTagSchema,
  eTagSchema,
  firstTag,
  hasTag,
  pTagSchema,
  pubkeysTagged,
  type Tag,
} from "./tags.js";
import { assertTimestamp } from "./validate.js";

export interface JobFeedbackSpec {
  now: number;
  request: JobRef;
  status: JobStatus;
  /** Human-readable detail, e.g. the error message or what payment is for. */
  extra?: string;
  /** What we ask to be paid (mostly with `payment-required`). */
  amount?: PaymentAmount;
  relayHint?: string;
  /** Partial output (status `partial`) or empty. */
  content?: string;
  /** Encrypt `content` to the buyer (do so whenever the request was encrypted). */
  encryption?: ReplyEncryption;
}

export const jobFeedbackTagSchema = z.union([
  z.tuple([z.literal("status"), z.enum(JOB_STATUSES), z.string().optional()]),
  amountTagSchema,
  eTagSchema,
  pTagSchema,
  encryptedTagSchema,
]);

/** Tags: `status`, `amount`?, `e`, `p`, `encrypted`? (only when there was content to encrypt). */
export function buildJobFeedback(spec: JobFeedbackSpec): EventTemplate {
  assertTimestamp(spec.now, "now");
  if (!isJobStatus(spec.status)) throw new TypeError(`status must be one of ${JOB_STATUSES.join(", ")}`);
  const { e, p } = jobRefTags(spec.request, spec.relayHint);
  const tags: Tag[] = [spec.extra ? ["status", spec.status, spec.extra] : ["status", spec.status]];
  if (spec.amount) tags.push(amountTag(spec.amount));
  tags.push(e, p);
  let content = spec.content ?? "";
  if (spec.encryption && content !== "") {
    content = encryptForBuyer(content, spec.request, spec.encryption);
    tags.push(["encrypted"]);
  }
  return { kind: Kind.JobFeedback, created_at: spec.now, tags, content };
}

export interface JobFeedback {
  id: string;
  /** Who sent it (the provider). */
  provider: string;
  createdAt: number;
  jobId: string;
  relayHint?: string;
  /** The buyer it is addressed to, when tagged. */
  buyer?: string;
  status: JobStatus;
  /** The status as written, when it was a foreign spelling. */
  statusAsSent: string;
  extra?: string;
  amount?: PaymentAmount;
  /** A NUT-18 Cashu payment request (`creqA…`) from a `["creq", …]` tag (payment-required). */
  paymentRequest?: string;
  /** Plaintext content; empty when there was none or it could not be decrypted (see warnings). */
  content: string;
  encryption?: EncryptionScheme;
  warnings: string[];
}

export type ParsedJobFeedback = { ok: true; feedback: JobFeedback } | ParseFailure;

/** Reads kind-7000 feedback; foreign status spellings are normalised. Never throws. */
export function parseJobFeedback(raw: unknown, options: ParseReplyOptions = {}): ParsedJobFeedback {
  const envelope = readEnvelope(raw, options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS);
  if (!envelope.ok) return envelope;
  const { event, tags } = envelope.value;
  const warnings = [...envelope.value.notes];
  if (event.kind !== Kind.JobFeedback)
    return parseFailure("invalid", `kind ${event.kind} is not job feedback`);
  const ref = readJobRef(tags);
  if (!ref) return parseFailure("invalid", "feedback does not reference a job (e tag)");
  const statusTag = firstTag(tags, "status");
  const status = normaliseStatus(statusTag?.[1]);
  if (!status.ok) return parseFailure("invalid", status.reason);
  const amount = readAmount(tags);
  if (!amount.ok) return parseFailure("invalid", amount.reason);

  const feedback: JobFeedback = {
    id: event.id,
    provider: event.pubkey,
    createdAt: event.created_at,
    jobId: ref.jobId,
    status: status.status,
    statusAsSent: status.original,
    content: event.content,
    warnings,
  };
  if (ref.relayHint) feedback.relayHint = ref.relayHint;
  const buyer = pubkeysTagged(tags)[0];
  if (buyer) feedback.buyer = buyer;
  const extra = statusTag?.[2];
  if (extra) feedback.extra = extra;
  if (amount.amount) feedback.amount = amount.amount;
  const paymentRequest = readCashuRequest(tags);
  if (paymentRequest) feedback.paymentRequest = paymentRequest;
  if (hasTag(tags, "encrypted") && event.content !== "") {
    const decrypted = options.secretKey
      ? decryptContent(event.content, options.secretKey, event.pubkey)
      : ({ ok: false, reason: "no key given" } as const);
    feedback.content = decrypted.ok ? decrypted.plaintext : "";
    feedback.encryption = decrypted.ok ? decrypted.scheme : detectEncryptionScheme(event.content);
    if (!decrypted.ok) warnings.push(`encrypted content not read: ${decrypted.reason}`);
  }
  return { ok: true, feedback };
}
