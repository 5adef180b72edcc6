/**
 * Relay → client messages (NIP-01, NIP-42), built as strings: stored events are already canonical JSON, so
 * they are spliced in rather than parsed and re-serialised for every subscriber.
 */

export function okMessage(eventId: string, accepted: boolean, reason: string): string {
  return `["OK",${JSON.stringify(eventId)},${accepted},${JSON.stringify(reason)}]`;
}

/** `subIdJson` is the JSON-encoded subscription id; `rawEvent` the event's canonical JSON. */
export function eventMessage(subIdJson: string, rawEvent: string): string {
  return `["EVENT",${subIdJson},${rawEvent}]`;
}

export function eoseMessage(subIdJson: string): string {
  return `["EOSE",${subIdJson}]`;
}

export function closedMessage(subIdJson: string, reason: string): string {
  return `["CLOSED",${subIdJson},${JSON.stringify(reason)}]`;
}

export function noticeMessage(text: string): string {
  return JSON.stringify(["NOTICE", text]);
}

export function authChallengeMessage(challenge: string): string {
  return JSON.stringify(["AUTH", challenge]);
}
