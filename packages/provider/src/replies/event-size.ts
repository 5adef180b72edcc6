/**
 * Event size accounting. Relays cap events by the bytes of their JSON serialisation (strfry and our relay:
 * 64 KiB), so a reply is sized before it is signed.
 */
import type { EventTemplate } from "@pylon/protocol";

/** The relay limit we plan for. */
export const MAX_EVENT_BYTES = 65_536;
/** Room kept for what signing adds (`id`, `pubkey`, `sig`: 256 hex characters plus keys) and for rounding. */
const SIGNED_FIELDS_BYTES = 512;

/** Bytes the signed event will take, conservatively. */
export function eventBytes(template: EventTemplate): number {
  return Buffer.byteLength(JSON.stringify(template), "utf8") + SIGNED_FIELDS_BYTES;
}

export function fitsInEvent(template: EventTemplate): boolean {
  return eventBytes(template) <= MAX_EVENT_BYTES;
}

/** Bytes one code point takes inside a JSON string: UTF-8 length, or its escape sequence. */
export function jsonStringBytes(codePoint: number): number {
  if (codePoint === 0x22 || codePoint === 0x5c) return 2; // \" and \\
  if (codePoint < 0x20) return [0x08, 0x09, 0x0a, 0x0c, 0x0d].includes(codePoint) ? 2 : 6;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 6; // lone surrogate, written as \uXXXX
  return utf8Bytes(codePoint);
}

export function utf8Bytes(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}
