import { z } from "zod";

/** A tag as NIP-01 defines it: a non-empty array of strings, the first being its name. */
export type Tag = string[];

const HEX64 = /^[0-9a-f]{64}$/;

/** True for 64-character lowercase hex (event ids, x-only pubkeys). */
export function isHex64(value: unknown): value is string {
  return typeof value === "string" && HEX64.test(value);
}

export const hex64Schema = z.string().regex(HEX64, "expected 64 lowercase hex characters");
export const tagSchema = z.array(z.string()).min(1);
export const eTagSchema = z.tuple([z.literal("e"), hex64Schema, z.string().optional()]);
export const pTagSchema = z.tuple([z.literal("p"), hex64Schema]);
export const kTagSchema = z.tuple([z.literal("k"), z.string().regex(/^\d+$/)]);
export const dTagSchema = z.tuple([z.literal("d"), z.string()]);
export const expirationTagSchema = z.tuple([z.literal("expiration"), z.string().regex(/^\d+$/)]);
export const encryptedTagSchema = z.tuple([z.literal("encrypted")]);

export interface SanitizedTags {
  tags: Tag[];
  /** One line per tag that was dropped or repaired, for the caller's warnings. */
  notes: string[];
}

/**
 * Turns whatever arrived in `tags` into well-formed string tags. Real traffic carries tags that are not
 * arrays, nameless tags and numbers where strings belong: numbers are stringified, anything else drops
 * the whole tag (a half-read tag could change its meaning).
 */
export function sanitizeTags(raw: readonly unknown[]): SanitizedTags {
  const tags: Tag[] = [];
  const notes: string[] = [];
  raw.forEach((entry, index) => {
    if (!Array.isArray(entry) || entry.length === 0 || typeof entry[0] !== "string") {
      notes.push(`tag #${index} dropped: not a named array`);
      return;
    }
    const tag: string[] = [];
    for (const item of entry) {
      if (typeof item === "string") {
        tag.push(item);
      } else if (typeof item === "number" && Number.isFinite(item)) {
        tag.push(String(item));
      } else {
        notes.push(`tag "${entry[0]}" dropped: holds a ${item === null ? "null" : typeof item}`);
        return;
      }
    }
    if (entry.some((item) => typeof item === "number"))
      notes.push(`tag "${entry[0]}": numbers read as strings`);
    tags.push(tag);
  });
  return { tags, notes };
}

// The guards below keep these helpers safe on events whose tags were never sanitized.
export function tagsNamed(tags: readonly Tag[], name: string): Tag[] {
  return tags.filter((tag) => Array.isArray(tag) && tag[0] === name);
}

export function firstTag(tags: readonly Tag[], name: string): Tag | undefined {
  return tags.find((tag) => Array.isArray(tag) && tag[0] === name);
}

/** Second element of the first tag with this name (the tag's value), if any. */
export function tagValue(tags: readonly Tag[], name: string): string | undefined {
  const value = firstTag(tags, name)?.[1];
  return typeof value === "string" ? value : undefined;
}

export function hasTag(tags: readonly Tag[], name: string): boolean {
  return tags.some((tag) => Array.isArray(tag) && tag[0] === name);
}

/** Valid lowercase-hex pubkeys from all `p` tags, in order, without duplicates. */
export function pubkeysTagged(tags: readonly Tag[]): string[] {
  const seen = new Set<string>();
  for (const tag of tagsNamed(tags, "p")) {
    const value = typeof tag[1] === "string" ? tag[1].trim().toLowerCase() : undefined;
    if (isHex64(value)) seen.add(value);
  }
  return [...seen];
}
