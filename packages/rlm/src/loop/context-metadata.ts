/**
 * What the root model is told about its context instead of the context itself: the Python type, the total
 * size and the sizes of its parts, summarised when there are many parts.
 */
import type { ContextValue } from "../sandbox/types.js";

export interface ContextMetadata {
  type: "str" | "list" | "dict";
  /** Characters across the whole context (for a dict: its values rendered as JSON). */
  totalChars: number;
  /** Parts: 1 for a str, items for a list, keys for a dict. */
  parts: number;
  /** Characters of each part, in order (for a list or dict). Absent for a str. */
  partLengths?: number[];
  /** The first keys of a dict. */
  keys?: string[];
}

const LISTED_PARTS = 20;
const LISTED_KEYS = 50;

export function describeContext(context: ContextValue): ContextMetadata {
  if (typeof context === "string") return { type: "str", totalChars: context.length, parts: 1 };
  if (Array.isArray(context)) {
    const partLengths = context.map((item) => item.length);
    return { type: "list", totalChars: sum(partLengths), parts: context.length, partLengths };
  }
  const keys = Object.keys(context);
  const partLengths = keys.map((key) => {
    const value = context[key];
    return typeof value === "string" ? value.length : (JSON.stringify(value) ?? "").length;
  });
  return {
    type: "dict",
    totalChars: sum(partLengths),
    parts: keys.length,
    partLengths,
    keys: keys.slice(0, LISTED_KEYS),
  };
}

/** The metadata in words, for the first user message. */
export function renderContextMetadata(meta: ContextMetadata): string {
  const tokens = Math.ceil(meta.totalChars / 4);
  const size = `${meta.totalChars.toLocaleString("en-US")} characters (about ${tokens.toLocaleString("en-US")} tokens)`;
  if (meta.type === "str") return `Your context is a str of ${size}.`;
  const lengths = meta.partLengths ?? [];
  const what = meta.type === "list" ? `a list of ${meta.parts} str items` : `a dict with ${meta.parts} keys`;
  const lines = [`Your context is ${what}, ${size} in total.`];
  if (lengths.length > 0)
    lines.push(`${meta.type === "list" ? "Item" : "Value"} lengths: ${summariseLengths(lengths)}.`);
  if (meta.keys && meta.keys.length > 0) {
    const more = meta.parts > meta.keys.length ? `, … (${meta.parts - meta.keys.length} more)` : "";
    lines.push(`Keys: ${meta.keys.map((k) => JSON.stringify(k)).join(", ")}${more}.`);
  }
  return lines.join("\n");
}

/** All lengths when there are few; otherwise the first and last few plus min / median / max. */
export function summariseLengths(lengths: readonly number[]): string {
  if (lengths.length <= LISTED_PARTS) return `[${lengths.join(", ")}]`;
  const sorted = [...lengths].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const head = lengths.slice(0, 5).join(", ");
  const tail = lengths.slice(-3).join(", ");
  return `[${head}, … ${lengths.length - 8} more …, ${tail}] (min ${sorted[0]}, median ${median}, max ${sorted[sorted.length - 1]})`;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
