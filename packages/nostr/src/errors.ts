import type { PublishResult, RelayReason } from "./types.js";

/** No relay accepted a published event; `results` has every relay's answer. */
export class PublishError extends Error {
  readonly results: PublishResult[];

  constructor(results: PublishResult[]) {
    const detail = results.map((r) => `${r.relay}: ${r.reason ?? "rejected"}`).join("; ");
    super(`no relay accepted the event (${detail || "no relays"})`);
    this.name = "PublishError";
    this.results = results;
  }
}

/** Relays refused or ended a subscription or query; `reasons` has each relay's reason. */
export class RelayError extends Error {
  readonly reasons: RelayReason[];

  constructor(message: string, reasons: RelayReason[]) {
    const detail = reasons.map((r) => `${r.relay}: ${r.reason}`).join("; ");
    super(detail ? `${message} (${detail})` : message);
    this.name = "RelayError";
    this.reasons = reasons;
  }
}
