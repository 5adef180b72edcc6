/**
 * Turns a context value into the bytes sent to the REPL. A string travels as raw UTF-8 and is decoded once into
 * a Python str; lists and objects travel as JSON and become Python lists and dicts.
 */
import type { ContextEncoding } from "./protocol.js";
import { HOST_TO_CHILD_LIMITS } from "./protocol.js";
import type { ContextValue } from "./types.js";

export interface EncodedContext {
  encoding: ContextEncoding;
  bytes: Buffer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function toJson(value: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`context cannot be encoded as JSON: ${(error as Error).message}`);
  }
  return Buffer.from(json ?? "null", "utf8");
}

export function encodeContext(value: ContextValue): EncodedContext {
  let encoded: EncodedContext;
  if (typeof value === "string") {
    encoded = { encoding: "text", bytes: Buffer.from(value, "utf8") };
  } else if (Array.isArray(value)) {
    const bad = value.findIndex((item) => typeof item !== "string");
    if (bad >= 0)
      throw new TypeError(`context list item ${bad} is a ${typeof value[bad]}, expected a string`);
    encoded = { encoding: "json", bytes: toJson(value) };
  } else if (isPlainObject(value)) {
    encoded = { encoding: "json", bytes: toJson(value) };
  } else {
    throw new TypeError("context must be a string, an array of strings, or a plain object");
  }
  if (encoded.bytes.length > HOST_TO_CHILD_LIMITS.maxPayloadBytes) {
    throw new RangeError(`context of ${encoded.bytes.length} bytes exceeds the 4 GiB transfer limit`);
  }
  return encoded;
}
