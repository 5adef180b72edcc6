import { eventShapeProblem } from "@pylon/protocol";
import type { AbstractRelay } from "nostr-tools/abstract-relay";
import { getHex64, getSubscriptionId } from "nostr-tools/fakejson";

/**
 * Screens what a relay sends before nostr-tools handles it. nostr-tools catches its own failures on a bad
 * message (not JSON, an EVENT without an event, tags that are not an array) and prints them to the console
 * with a stack trace: a peer's garbage would land in a daemon's log as a library error. Here such a message is
 * dropped and reported in one line instead.
 *
 * The fast path is kept: an EVENT for an unknown subscription, or one the subscription already has, is left
 * to nostr-tools, which skips it without parsing. Only messages nostr-tools would parse are parsed here too.
 */
export function guardMessages(
  relay: AbstractRelay,
  report: (reason: string, what: "event" | "message") => void,
): void {
  const handle = relay._onmessage.bind(relay);
  // Replaced on the instance before connect(), which binds `this._onmessage` as the socket's handler.
  relay._onmessage = (message: MessageEvent) => {
    const text = message.data;
    if (typeof text === "string" && text !== "" && !skippedUnparsed(relay, text)) {
      const verdict = relayMessageProblem(text, relay.openSubs);
      if (verdict === "stale") return;
      if (verdict) {
        report(verdict, verdict.startsWith(MALFORMED_EVENT) ? "event" : "message");
        return;
      }
    }
    handle(message);
  };
}

const MALFORMED_EVENT = "a malformed event";

/** True when nostr-tools will skip this EVENT before parsing it (unknown subscription or a repeat). */
function skippedUnparsed(relay: AbstractRelay, text: string): boolean {
  const subId = getSubscriptionId(text);
  if (!subId) return false;
  const sub = relay.openSubs.get(subId);
  return !sub || (sub.alreadyHaveEvent?.(getHex64(text, "id")) ?? false);
}

/**
 * What makes a relay message unusable ("stale": an EVENT for a subscription no longer open, dropped
 * silently), or undefined when nostr-tools can handle it.
 */
export function relayMessageProblem(
  text: string,
  openSubs: ReadonlyMap<string, unknown>,
): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return `a message that is not JSON (${text.length} characters)`;
  }
  if (!Array.isArray(data) || typeof data[0] !== "string") return "a message that is not a NIP-01 array";
  if (data[0] !== "EVENT") return undefined;
  if (typeof data[1] !== "string") return "an EVENT message without a subscription id";
  if (!openSubs.has(data[1])) return "stale";
  const problem = eventShapeProblem(data[2]);
  if (!problem) return undefined;
  const event = data[2] as { id?: unknown; pubkey?: unknown } | null;
  return `${MALFORMED_EVENT}${describeEvent(event)}: ${problem}`;
}

/** " <id prefix> from <pubkey prefix>", as far as the untrusted event has them. */
export function describeEvent(event: { id?: unknown; pubkey?: unknown } | null | undefined): string {
  const id = typeof event?.id === "string" ? ` ${event.id.slice(0, 12)}` : "";
  const author = typeof event?.pubkey === "string" ? ` from ${event.pubkey.slice(0, 12)}` : "";
  return `${id}${author}`;
}
