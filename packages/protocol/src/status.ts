/** The only feedback statuses we emit (NIP-90 "Job feedback status"). */
export const JOB_STATUSES = ["payment-required", "processing", "error", "success", "partial"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const CANONICAL = new Set<string>(JOB_STATUSES);

/** Spellings seen from other clients, after lower-casing and turning `_`/spaces into `-`. */
const ALIASES: Readonly<Record<string, JobStatus>> = {
  "payment-needed": "payment-required",
  paymentrequired: "payment-required",
  "payment-rejected": "error",
  "payment-failed": "error",
  failed: "error",
  failure: "error",
  scheduled: "processing",
  queued: "processing",
  started: "processing",
  running: "processing",
  "in-progress": "processing",
  working: "processing",
  completed: "success",
  complete: "success",
  done: "success",
  finished: "success",
  "partial-result": "partial",
};

export type StatusNormalisation =
  | { ok: true; status: JobStatus /** what the event actually said */; original: string }
  | { ok: false; reason: string };

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === "string" && CANONICAL.has(value);
}

/** Maps a foreign status spelling onto one of the five; unknown ones come back with a reason. */
export function normaliseStatus(raw: unknown): StatusNormalisation {
  if (typeof raw !== "string") return { ok: false, reason: "status is missing or not a string" };
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
  if (CANONICAL.has(key)) return { ok: true, status: key as JobStatus, original: raw };
  const alias = ALIASES[key];
  if (alias) return { ok: true, status: alias, original: raw };
  return { ok: false, reason: `unknown job status "${raw.slice(0, 64)}"` };
}
