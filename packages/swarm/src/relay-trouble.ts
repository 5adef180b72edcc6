/** Relays that are not connected, each with its own words, for the messages commands print. */
import type { RelayStatus } from "@pylon/nostr";

/** One line per relay that is not open: its URL and its last error (or its state when it gave none). */
export function relayTrouble(statuses: readonly RelayStatus[]): string[] {
  return statuses
    .filter((status) => status.state !== "open")
    .map((status) => `${status.relay}: ${status.lastError ?? `not connected (${status.state})`}`);
}
