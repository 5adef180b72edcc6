/**
 * NIP-01 filters: validation of untrusted JSON into a normalised form, and in-memory matching for live fan-out.
 */
import { isHex64 } from "@pylon/protocol";
import type { NostrEvent } from "./event.js";

export interface Filter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  /** Tag filters keyed by the single-letter tag name (without the "#"). */
  tags?: Map<string, string[]>;
  since?: number;
  until?: number;
  /** Already clamped to the relay's maxLimit (or set to its defaultLimit). */
  limit: number;
}

export type FilterResult = { ok: true; filter: Filter } | { ok: false; reason: string };

export interface FilterLimits {
  maxLimit: number;
  defaultLimit: number;
  maxFilterValues: number;
}

const TAG_KEY = /^#[a-zA-Z]$/;

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function parseFilter(value: unknown, limits: FilterLimits): FilterResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "filter must be a JSON object" };
  }
  const filter: Filter = { limit: limits.defaultLimit };
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    switch (key) {
      case "ids":
      case "authors": {
        if (!Array.isArray(raw) || !raw.every(isHex64)) {
          return { ok: false, reason: `${key} must be an array of 64-character lowercase hex strings` };
        }
        if (raw.length > limits.maxFilterValues) {
          return { ok: false, reason: `too many ${key} (${raw.length} > ${limits.maxFilterValues})` };
        }
        filter[key] = [...new Set(raw)];
        break;
      }
      case "kinds": {
        if (!Array.isArray(raw) || !raw.every((k) => Number.isInteger(k) && k >= 0 && k <= 65_535)) {
          return { ok: false, reason: "kinds must be an array of integers between 0 and 65535" };
        }
        if (raw.length > limits.maxFilterValues) {
          return { ok: false, reason: `too many kinds (${raw.length} > ${limits.maxFilterValues})` };
        }
        filter.kinds = [...new Set(raw as number[])];
        break;
      }
      case "since":
      case "until": {
        if (!isTimestamp(raw)) return { ok: false, reason: `${key} must be a non-negative integer` };
        filter[key] = raw;
        break;
      }
      case "limit": {
        if (!isTimestamp(raw)) return { ok: false, reason: "limit must be a non-negative integer" };
        filter.limit = Math.min(raw, limits.maxLimit);
        break;
      }
      default: {
        if (!TAG_KEY.test(key))
          return { ok: false, reason: `unsupported filter field "${key.slice(0, 32)}"` };
        if (!Array.isArray(raw) || !raw.every((item) => typeof item === "string")) {
          return { ok: false, reason: `${key} must be an array of strings` };
        }
        if (raw.length > limits.maxFilterValues) {
          return { ok: false, reason: `too many ${key} values (${raw.length} > ${limits.maxFilterValues})` };
        }
        filter.tags ??= new Map();
        filter.tags.set(key.slice(1), [...new Set(raw as string[])]);
      }
    }
  }
  return { ok: true, filter };
}

/** True when the filter can match nothing at all (an empty list, or since after until). */
export function isUnsatisfiable(filter: Filter): boolean {
  if (filter.ids?.length === 0 || filter.authors?.length === 0 || filter.kinds?.length === 0) return true;
  if (filter.tags) {
    for (const values of filter.tags.values()) if (values.length === 0) return true;
  }
  return filter.since !== undefined && filter.until !== undefined && filter.since > filter.until;
}

/** In-memory match used for live events; `limit` does not apply to them (NIP-01). */
export function matchesFilter(filter: Filter, event: NostrEvent): boolean {
  if (filter.ids && !filter.ids.includes(event.id)) return false;
  if (filter.authors && !filter.authors.includes(event.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.since !== undefined && event.created_at < filter.since) return false;
  if (filter.until !== undefined && event.created_at > filter.until) return false;
  if (filter.tags) {
    for (const [name, values] of filter.tags) {
      let found = false;
      for (const tag of event.tags) {
        if (tag[0] === name && tag[1] !== undefined && values.includes(tag[1])) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
  }
  return true;
}
