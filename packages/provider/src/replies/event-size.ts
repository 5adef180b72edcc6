/**
 * Event size accounting. Relays cap events by the bytes of their JSON serialisation (strfry and our relay:
 * 64 KiB) and their messages and contents by what their NIP-11 document says, so a reply is sized before it
 * is signed.
 */
import type { EventTemplate } from "@pylon/protocol";

/** The most we plan for, whatever a relay allows. */
export const MAX_EVENT_BYTES = 65_536;
/** Room kept for what signing adds (`id`, `pubkey`, `sig`: 256 hex characters plus keys) and for rounding. */
const SIGNED_FIELDS_BYTES = 512;
/** `["EVENT",` … `]` around the event in the message a relay measures. */
const MESSAGE_ENVELOPE_BYTES = 16;

/** How large one reply may be: its signed JSON, and its content alone. */
export interface ReplyRoom {
  eventBytes: number;
  contentBytes: number;
}

export const DEFAULT_ROOM: Readonly<ReplyRoom> = {
  eventBytes: MAX_EVENT_BYTES,
  contentBytes: MAX_EVENT_BYTES,
};

/** The room every write relay leaves (the smallest of their limits: RelayPool.limits()), within 64 KiB. */
export function replyRoom(limits: { maxMessageBytes: number; maxContentBytes: number }): ReplyRoom {
  return {
    eventBytes: Math.min(MAX_EVENT_BYTES, limits.maxMessageBytes - MESSAGE_ENVELOPE_BYTES),
    contentBytes: Math.min(MAX_EVENT_BYTES, limits.maxContentBytes),
  };
}

/** Bytes the signed event will take, conservatively. */
export function eventBytes(template: EventTemplate): number {
  return Buffer.byteLength(JSON.stringify(template), "utf8") + SIGNED_FIELDS_BYTES;
}

export function fitsInEvent(template: EventTemplate, room: ReplyRoom = DEFAULT_ROOM): boolean {
  return (
    eventBytes(template) <= room.eventBytes &&
    Buffer.byteLength(template.content, "utf8") <= room.contentBytes
  );
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
