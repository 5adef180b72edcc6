import type { AbstractRelay, Subscription } from "nostr-tools/abstract-relay";

type Timer = ReturnType<typeof setTimeout>;

/**
 * nostr-tools leaves some timers running after a relay or subscription is closed: a subscription's EOSE
 * timeout and each pending publish's timeout are never cleared on close. They are harmless to correctness but
 * keep the process alive for seconds after shutdown. These helpers clear them; they reach into private fields,
 * and if a future nostr-tools renames those fields they simply find nothing to clear.
 */
export function clearSubscriptionTimer(sub: Subscription): void {
  const handle = (sub as unknown as { eoseTimeoutHandle?: Timer }).eoseTimeoutHandle;
  if (handle !== undefined) clearTimeout(handle);
}

export function clearRelayTimers(relay: AbstractRelay): void {
  for (const sub of relay.openSubs.values()) clearSubscriptionTimer(sub);
  const publishes = (relay as unknown as { openEventPublishes?: Map<string, { timeout?: Timer }> })
    .openEventPublishes;
  if (publishes instanceof Map) {
    for (const pending of publishes.values()) {
      if (pending.timeout !== undefined) clearTimeout(pending.timeout);
    }
  }
}
