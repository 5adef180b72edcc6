/**
 * Splitting an output too large for one event into parts (see docs/protocol.md). Parts never split a
 * character, and concatenating them in order gives back the output exactly.
 */
import { DEFAULT_ROOM, jsonStringBytes, type ReplyRoom, utf8Bytes } from "./event-size.js";

/**
 * Most bytes one part may take. Plaintext parts are measured as written in the event JSON (escapes
 * included); encrypted ones as UTF-8 plaintext, since NIP-44 pads to the next power-of-two step and
 * base64 adds a third: 30,000 bytes become at most ~44 KB of ciphertext (and stay under NIP-44's 64 KiB).
 */
export const PLAINTEXT_PART_BYTES = 40_000;
export const ENCRYPTED_PART_BYTES = 30_000;

/** Room kept in every event for its tags (`e`, `p`, `amount`, `status`, a part's number…). */
const TAGS_BYTES = 4_096;
/** NIP-44 in the worst case: padding up to an eighth more, 67 bytes of framing, then base64 (4/3). */
const NIP44_GROWTH = 1.5;
const NIP44_FRAMING_BYTES = 128;
/** A part never gets smaller than this, however little a relay takes (it then refuses the event, in its words). */
const MIN_PART_BYTES = 512;

/** Most bytes of output one event carries, within `room` (the write relays' limits). */
export function partBudget(encrypted: boolean, room: ReplyRoom = DEFAULT_ROOM): number {
  const content = Math.min(room.contentBytes, room.eventBytes - TAGS_BYTES);
  const fits = encrypted ? Math.floor((content - NIP44_FRAMING_BYTES) / NIP44_GROWTH) : content;
  return Math.max(MIN_PART_BYTES, Math.min(encrypted ? ENCRYPTED_PART_BYTES : PLAINTEXT_PART_BYTES, fits));
}

/** Splits `output` into parts of at most `maxBytes` each (measured as described above). */
export function splitOutput(output: string, maxBytes: number, encrypted: boolean): string[] {
  if (maxBytes < 8) throw new RangeError("a part must hold at least 8 bytes");
  const measure = encrypted ? utf8Bytes : jsonStringBytes;
  const parts: string[] = [];
  let start = 0;
  let bytes = 0;
  let index = 0;
  while (index < output.length) {
    const codePoint = output.codePointAt(index) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    const cost = measure(codePoint);
    if (bytes + cost > maxBytes) {
      parts.push(output.slice(start, index));
      start = index;
      bytes = 0;
    }
    bytes += cost;
    index += width;
  }
  parts.push(output.slice(start));
  return parts;
}
