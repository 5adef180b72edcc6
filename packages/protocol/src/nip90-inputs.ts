/** NIP-90 job inputs: `["i", data, type, relay?, marker?]`. */
import { z } from "zod";
import { BATCH_INPUT_TYPE, readBatchItems } from "./nip90-batch.js";
import { isHex64, type Tag } from "./tags.js";

/** NIP-90's input types, plus our batch input (a JSON array of prompts; see nip90-batch.ts). */
export const INPUT_TYPES = ["text", "url", "event", "job", BATCH_INPUT_TYPE] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface JobInput {
  data: string;
  type: InputType;
  /** Where an `event`/`job` input was published. */
  relay?: string;
  /** How the input is used. We give `system` a meaning: that text input is the system prompt. */
  marker?: string;
}

/** Marker that makes a text input the system prompt (our extension; other markers pass through). */
export const SYSTEM_MARKER = "system";

/**
 * Markers that make text inputs the turns of a conversation, in tag order (our extension, docs/protocol.md
 * "Conversations"): a request with any of them is a multi-turn chat, not one prompt.
 */
export const TURN_MARKERS = ["user", "assistant"] as const;
export type TurnRole = (typeof TURN_MARKERS)[number];

/** One message of a conversation sent as a job (`["i", content, "text", "", role]`). */
export interface ChatTurn {
  role: "system" | TurnRole;
  content: string;
}

export function isTurnMarker(marker: string | undefined): marker is TurnRole {
  return marker !== undefined && (TURN_MARKERS as readonly string[]).includes(marker);
}

export const inputTagSchema = z.tuple([
  z.literal("i"),
  z.string(),
  z.enum(INPUT_TYPES),
  z.string().optional(),
  z.string().optional(),
]);

export function inputTag(input: JobInput): Tag {
  if (!(INPUT_TYPES as readonly string[]).includes(input.type)) {
    throw new TypeError(`input type must be one of ${INPUT_TYPES.join(", ")}, got "${input.type}"`);
  }
  if ((input.type === "event" || input.type === "job") && !isHex64(input.data)) {
    throw new TypeError(`a ${input.type} input must be a 64-hex event id`);
  }
  if (input.type === BATCH_INPUT_TYPE) {
    const batch = readBatchItems([input]);
    if (batch && !batch.ok) throw new TypeError(`bad batch input: ${batch.error}`);
  }
  const tag: Tag = ["i", input.data, input.type];
  if (input.relay !== undefined || input.marker !== undefined) tag.push(input.relay ?? "");
  if (input.marker !== undefined) tag.push(input.marker);
  return tag;
}

/**
 * Reads `i` tags leniently: a missing type means text (as several clients write it), type names are
 * case-insensitive, and inputs we cannot make sense of are skipped with a warning rather than failing.
 */
export function readInputs(tags: readonly Tag[], warnings: string[]): JobInput[] {
  const inputs: JobInput[] = [];
  for (const tag of tags) {
    const [, data, rawType, relay, marker] = tag;
    if (data === undefined) {
      warnings.push("input tag without data ignored");
      continue;
    }
    const type = rawType?.trim().toLowerCase() || "text";
    if (!rawType) warnings.push("input without a type read as text");
    if (!(INPUT_TYPES as readonly string[]).includes(type)) {
      warnings.push(`input of unknown type "${type.slice(0, 32)}" ignored`);
      continue;
    }
    if ((type === "event" || type === "job") && !isHex64(data.trim())) {
      warnings.push(`${type} input that is not an event id ignored`);
      continue;
    }
    const input: JobInput = { data: type === "text" ? data : data.trim(), type: type as InputType };
    if (relay) input.relay = relay;
    if (marker) input.marker = marker;
    inputs.push(input);
  }
  return inputs;
}
