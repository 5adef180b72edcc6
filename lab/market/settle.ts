/**
 * Redeems what a node holds and waits until no redeem of its is half-done, before its books are read. A
 * redeem the mint carried out but whose answer was lost (a mint saturated by a thousand nodes settling at
 * once: "Request timed out") stays half-done in the node's wallet until a later redeem recovers it; read
 * before that, its sats are neither the node's ecash nor the buyer's to reclaim, and the soak's invariant is
 * off by them. A running node retries on its own; this asks at once, every 2 s, within `timeoutMs`, and
 * after that the books are read as they are (the sats still held show in them).
 */
import type { RunningProvider } from "@pylon/provider";

export async function redeemAll(node: RunningProvider, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await node.payments?.redeemNow();
      if ((node.status().earnings?.heldSats ?? 0) === 0) return;
    } catch (error) {
      if (Date.now() >= end) throw error;
    }
    if (Date.now() >= end) return;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
