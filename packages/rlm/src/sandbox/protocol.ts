/**
 * Messages between the host and the REPL child. Headers are JSON objects with a type `t`; bulk data rides in
 * the frame payload. The host treats everything from the child as untrusted: model code may have taken over the
 * child, so every message is checked here and nothing in it can make the host do more than a cell could anyway.
 */
import type { CellError, FinalAnswer } from "./types.js";

/** Settings the host hands the child on its command line. */
export interface ChildConfig {
  pyodideDir: string;
  memoryLimitBytes: number;
  wasmMemoryCap: boolean;
  maxOutputChars: number;
  maxBatchSize: number;
}

export const HOST_TO_CHILD_LIMITS = { maxHeaderBytes: 64 * 1024 * 1024, maxPayloadBytes: 2 ** 32 - 1 };
export const CHILD_TO_HOST_LIMITS = { maxHeaderBytes: 8 * 1024 * 1024, maxPayloadBytes: 1024 * 1024 * 1024 };

export type ContextEncoding = "text" | "json";

/** Host → child. */
export type HostMessage =
  | { t: "context"; id: number; encoding: ContextEncoding }
  | { t: "run"; id: number; code: string }
  | { t: "subcall_result"; id: number }
  | { t: "close" };

/** Child → host, after validation. */
export type ChildMessage =
  | { t: "ready"; wasmLimitBytes: number | null }
  | { t: "context_loaded"; id: number; type: "str" | "list" | "dict"; length: number }
  | { t: "context_error"; id: number; message: string }
  | { t: "result"; id: number; body: CellBody }
  | { t: "subcall"; id: number; kind: "llm" | "rlm" }
  | { t: "fatal"; message: string };

/** The part of a cell result the child computes. */
export interface CellBody {
  stdout: string;
  stderr: string;
  variables: string[];
  error?: CellError;
  final?: FinalAnswer;
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSafeId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function parseCellError(value: unknown): CellError {
  if (!isRecord(value) || typeof value.type !== "string" || typeof value.message !== "string") {
    throw new ProtocolError("cell error must have string type and message");
  }
  const error: CellError = { type: value.type, message: value.message };
  if (typeof value.traceback === "string" && value.traceback.length > 0) error.traceback = value.traceback;
  return error;
}

function parseFinal(value: unknown): FinalAnswer {
  if (!isRecord(value) || typeof value.content !== "string") {
    throw new ProtocolError("final answer must have string content");
  }
  const source = value.source;
  if (source !== "FINAL" && source !== "FINAL_VAR" && source !== "answer") {
    throw new ProtocolError("final answer has an unknown source");
  }
  return { content: value.content, source };
}

/** Parses a cell result body (the child sends it as a JSON payload, produced by Python). */
export function parseCellBody(payload: Buffer, extraStdout: string, extraStderr: string): CellBody {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new ProtocolError("cell result is not valid JSON");
  }
  if (!isRecord(value) || typeof value.stdout !== "string" || typeof value.stderr !== "string") {
    throw new ProtocolError("cell result must have string stdout and stderr");
  }
  if (!isStringArray(value.variables)) throw new ProtocolError("cell result variables must be strings");
  const body: CellBody = {
    stdout: value.stdout + extraStdout,
    stderr: value.stderr + extraStderr,
    variables: value.variables,
  };
  if (value.error !== undefined) body.error = parseCellError(value.error);
  if (value.final !== undefined) body.final = parseFinal(value.final);
  return body;
}

/** Validates a child message header (and payload where it carries the body). Throws ProtocolError. */
export function parseChildMessage(header: Record<string, unknown>, payload: Buffer): ChildMessage {
  switch (header.t) {
    case "ready": {
      const limit = header.wasmLimitBytes;
      if (limit !== null && typeof limit !== "number") throw new ProtocolError("bad ready message");
      return { t: "ready", wasmLimitBytes: limit };
    }
    case "context_loaded": {
      const { id, type, length } = header;
      if (!isSafeId(id) || !isSafeId(length) || (type !== "str" && type !== "list" && type !== "dict")) {
        throw new ProtocolError("bad context_loaded message");
      }
      return { t: "context_loaded", id, type, length };
    }
    case "context_error": {
      const { id, message } = header;
      if (!isSafeId(id) || typeof message !== "string") throw new ProtocolError("bad context_error message");
      return { t: "context_error", id, message: message.slice(0, 4000) };
    }
    case "result": {
      const { id, rawStdout, rawStderr } = header;
      if (!isSafeId(id) || typeof rawStdout !== "string" || typeof rawStderr !== "string") {
        throw new ProtocolError("bad result message");
      }
      return { t: "result", id, body: parseCellBody(payload, rawStdout, rawStderr) };
    }
    case "subcall": {
      const { id, kind } = header;
      if (!isSafeId(id) || (kind !== "llm" && kind !== "rlm")) throw new ProtocolError("bad subcall message");
      return { t: "subcall", id, kind };
    }
    case "fatal":
      return { t: "fatal", message: typeof header.message === "string" ? header.message.slice(0, 4000) : "" };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(String(header.t)).slice(0, 40)}`);
  }
}

/** Parses the payload of a subcall message: `{"prompts": [...], "opts": {...}}` as produced by the runtime. */
export function parseSubcallPayload(payload: Buffer): { prompts: string[]; opts: Record<string, unknown> } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new ProtocolError("sub-call request is not valid JSON");
  }
  if (!isRecord(value) || !isStringArray(value.prompts) || !isRecord(value.opts)) {
    throw new ProtocolError("sub-call request must have string prompts and an opts object");
  }
  return { prompts: value.prompts, opts: value.opts };
}
