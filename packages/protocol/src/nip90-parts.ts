/**
 * Numbered output parts (a Pylon extension to NIP-90): outputs too large for one event travel as `partial`
 * feedback events plus a final result, each tagged `["part", "<n>", "<total>"]`. See docs/protocol.md.
 */

/** Name of the tag that numbers the parts of a split output: `["part", "<n>", "<total>"]`, 1-based. */
export const OUTPUT_PART_TAG = "part";

export function outputPartTag(index: number, total: number): string[] {
  if (!Number.isSafeInteger(total) || total < 1 || !Number.isSafeInteger(index) || index < 1 || index > total)
    throw new RangeError(`part ${index} of ${total} is not a valid part number`);
  return [OUTPUT_PART_TAG, String(index), String(total)];
}

/** The part number an event carries, or undefined when it has none (or a malformed one). */
export function readOutputPart(event: {
  tags: readonly string[][];
}): { index: number; total: number } | undefined {
  const tag = event.tags.find((t) => Array.isArray(t) && t[0] === OUTPUT_PART_TAG);
  if (!tag || !/^\d{1,6}$/.test(tag[1] ?? "") || !/^\d{1,6}$/.test(tag[2] ?? "")) return undefined;
  const index = Number(tag[1]);
  const total = Number(tag[2]);
  return index >= 1 && index <= total ? { index, total } : undefined;
}
