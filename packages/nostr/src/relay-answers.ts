/**
 * The one place that reads a relay's OK / CLOSED reason (NIP-01 machine-readable prefixes) and says what the
 * pool does about it. docs/protocol.md, "Relays' answers", has the same table in words.
 */

export type RelayAnswer =
  /** `duplicate:` — the relay already has it: as good as accepted. */
  | { kind: "duplicate" }
  /** `rate-limited:` — back off and try again within the deadline. */
  | { kind: "rate-limited" }
  /** `auth-required:` — answer the relay's AUTH challenge, then try again once. */
  | { kind: "auth-required" }
  /** `pow:` — the relay wants this much NIP-13 work (0 when its words name no number); re-sign and resend. */
  | { kind: "pow"; difficulty: number }
  /** `blocked:` / `restricted:` — this relay will not take our writes: stop writing to it (reads go on). */
  | { kind: "refuses-writes" }
  /** `invalid:`, `error:`, anything else — fail with the relay's words. */
  | { kind: "failed" };

export function classifyRelayAnswer(reason: string): RelayAnswer {
  const prefix = /^([a-z-]+):/.exec(reason.trimStart())?.[1];
  switch (prefix) {
    case "duplicate":
      return { kind: "duplicate" };
    case "rate-limited":
      return { kind: "rate-limited" };
    case "auth-required":
      return { kind: "auth-required" };
    case "pow":
      return { kind: "pow", difficulty: powDifficultyIn(reason) };
    case "blocked":
    case "restricted":
      return { kind: "refuses-writes" };
    default:
      return { kind: "failed" };
  }
}

/** The first whole number in a `pow:` reason ("pow: difficulty 20 required", "pow: 20 bits needed"), else 0. */
function powDifficultyIn(reason: string): number {
  const match = /\b(\d{1,3})\b/.exec(reason.slice(reason.indexOf(":") + 1));
  const n = match ? Number(match[1]) : 0;
  return n <= 256 ? n : 0;
}
