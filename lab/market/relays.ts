/**
 * The relays the lab's market can run on (`--relay` of the market benchmarks): Pylon's own as deployed,
 * the foreign one (@nostr-relay/core, testkit's startForeignRelay), or Pylon's configured strictly as a
 * paid public relay would be (issue 14): 16 KB messages, 10 events/s per connection, NIP-42 AUTH for
 * reading and writing, NIP-13 proof of work 8.
 */
import { RelayPool } from "@pylon/nostr";
import type { RelayLimits } from "@pylon/relay";
import type { MarketRelayChoice } from "@pylon/testkit/market";

export const RELAY_KINDS = ["pylon", "foreign", "strict"] as const;
export type RelayKind = (typeof RELAY_KINDS)[number];

/** The strict relay's limits (with AUTH for reading and writing, below). */
export const STRICT_LIMITS: Partial<RelayLimits> = {
  maxMessageBytes: 16_384,
  eventsPerSecond: 10,
  eventBurst: 10,
  minPowDifficulty: 8,
};

/** Whether this build's clients can meet the strict relay: answer AUTH and mine PoW (RelayPool's `sign`). */
export function strictSupported(): boolean {
  return typeof (RelayPool.prototype as { sign?: unknown }).sign === "function";
}

/** The market relay for `--relay <kind>`; a kind this build cannot run is an error naming why. */
export function relayChoice(kind: string): MarketRelayChoice {
  // Signatures checked on worker threads (the relay's default), as deployed.
  const deployed = { verifyThreads: undefined };
  switch (kind) {
    case "pylon":
      return { kind: "pylon", options: deployed };
    case "foreign":
      return "foreign";
    case "strict":
      if (!strictSupported())
        throw new Error(
          "--relay strict needs clients that answer NIP-42 AUTH and mine NIP-13 proof of work " +
            "(RelayPool's signer option and pool.sign, issue 14 points 1–2); this build has neither",
        );
      return {
        kind: "pylon",
        options: { ...deployed, auth: { read: true, write: true }, limits: STRICT_LIMITS },
      };
    default:
      throw new Error(`--relay must be one of ${RELAY_KINDS.join(", ")}, got "${kind}"`);
  }
}
