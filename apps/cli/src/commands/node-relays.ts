/**
 * How `pylon node` reports its relays at start: the serving line marks a relay it could not reach, and each
 * such relay gets one stderr line with the cause (a refused connection is not "serving"). The node keeps
 * retrying those relays in the background.
 */
import { normaliseRelayUrl } from "@pylon/nostr";

export interface RelayState {
  relay: string;
  state: string;
  lastError?: string;
}

/** `urls` as configured, each unreachable one marked; the order and spelling of the config are kept. */
export function relayList(urls: readonly string[], states: readonly RelayState[]): string {
  const down = new Set(states.filter((s) => s.state !== "open").map((s) => s.relay));
  return urls.map((url) => (down.has(normalised(url)) ? `${url} (unreachable)` : url)).join(", ");
}

/** One line per relay that is not open, naming why; empty when every relay is connected. */
export function relayProblems(states: readonly RelayState[]): string[] {
  const lines = states
    .filter((s) => s.state !== "open")
    .map((s) => `relay ${s.relay} ${describeRelayError(s)}; retrying in the background`);
  if (lines.length > 0 && lines.length === states.length)
    lines.push("no relay is connected: no job can reach this node until one is");
  return lines;
}

/** For the periodic status line: "relays 1/2 connected (ws://b/ refused the connection (…))". */
export function relaySummary(states: readonly RelayState[]): string {
  const down = states.filter((s) => s.state !== "open");
  const count = `relays ${states.length - down.length}/${states.length} connected`;
  if (down.length === 0) return count;
  return `${count} (${down.map((s) => `${s.relay} ${describeRelayError(s)}`).join("; ")})`;
}

/** A relay's last connection error in words (the socket's messages are terse). */
export function describeRelayError(state: Pick<RelayState, "state" | "lastError">): string {
  const error = state.lastError;
  if (!error) return state.state === "connecting" ? "is still connecting" : "is not connected";
  if (/ECONNREFUSED/.test(error)) return `refused the connection (${error})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return `cannot be found (${error})`;
  if (/timed out/.test(error)) return `did not answer: ${error}`;
  const http = /Unexpected server response: (\d+)/.exec(error);
  if (http) return `answered HTTP ${http[1]} instead of opening a WebSocket`;
  return `is not connected: ${error}`;
}

function normalised(url: string): string {
  try {
    return normaliseRelayUrl(url);
  } catch {
    return url;
  }
}
