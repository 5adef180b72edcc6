/**
 * Keeps the conversation sent to the model under a size: the instructions and the opening message always,
 * then as many of the newest reply/feedback pairs as fit. The REPL keeps every variable, so what is left out
 * is only the model's memory of how it got there.
 */
import type { ChatMessage } from "@pylon/inference";

export function conversationWindow(messages: readonly ChatMessage[], maxChars: number): ChatMessage[] {
  const size = (list: readonly ChatMessage[]) => list.reduce((sum, m) => sum + m.content.length, 0);
  if (messages.length <= 4 || size(messages) <= maxChars) return [...messages];
  const [system, opening, ...rest] = messages as [ChatMessage, ChatMessage, ...ChatMessage[]];
  let budget = maxChars - system.content.length - opening.content.length - 200;
  let keepFrom = rest.length;
  // Walk back over whole pairs (assistant reply + user feedback); the newest pair is always kept.
  while (keepFrom >= 2) {
    const pairSize = rest[keepFrom - 2]!.content.length + rest[keepFrom - 1]!.content.length;
    if (keepFrom < rest.length && pairSize > budget) break;
    budget -= pairSize;
    keepFrom -= 2;
  }
  if (keepFrom === 0) return [...messages];
  const note = `\n\n[${keepFrom / 2} earlier replies and their outputs are left out to save space; the REPL still holds every variable.]`;
  return [system, { role: opening.role, content: opening.content + note }, ...rest.slice(keepFrom)];
}
