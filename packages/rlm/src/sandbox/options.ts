/** Defaults and validation of SandboxOptions. */
import type { NetworkIsolation, SandboxOptions, SubcallHandler } from "./types.js";

export interface SandboxSettings {
  cellTimeoutMs: number;
  memoryLimitMb: number;
  wasmMemoryCap: boolean;
  onSubcall: SubcallHandler | undefined;
  maxOutputChars: number;
  maxBatchSize: number;
  startTimeoutMs: number;
  contextTimeoutMs: number;
  networkIsolation: NetworkIsolation;
}

export const DEFAULT_SETTINGS = {
  cellTimeoutMs: 60_000,
  memoryLimitMb: 2048,
  wasmMemoryCap: true,
  maxOutputChars: 1_000_000,
  maxBatchSize: 10_000,
  startTimeoutMs: 60_000,
  contextTimeoutMs: 60_000,
  networkIsolation: "auto",
} as const;

function positive(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new RangeError(`${name} must be a number in (0, ${max}], got ${String(value)}`);
  }
  return value;
}

export function resolveSettings(options: SandboxOptions): SandboxSettings {
  if (typeof options !== "object" || options === null)
    throw new TypeError("sandbox options must be an object");
  const { onSubcall, networkIsolation = DEFAULT_SETTINGS.networkIsolation, wasmMemoryCap } = options;
  if (onSubcall !== undefined && typeof onSubcall !== "function") {
    throw new TypeError("onSubcall must be a function");
  }
  if (networkIsolation !== "auto" && networkIsolation !== "required" && networkIsolation !== "off") {
    throw new RangeError(
      `networkIsolation must be "auto", "required" or "off", got ${String(networkIsolation)}`,
    );
  }
  const day = 24 * 60 * 60 * 1000;
  return {
    cellTimeoutMs: positive("cellTimeoutMs", options.cellTimeoutMs, DEFAULT_SETTINGS.cellTimeoutMs, day),
    memoryLimitMb: positive("memoryLimitMb", options.memoryLimitMb, DEFAULT_SETTINGS.memoryLimitMb, 65_536),
    wasmMemoryCap: wasmMemoryCap ?? DEFAULT_SETTINGS.wasmMemoryCap,
    onSubcall,
    maxOutputChars: Math.floor(
      positive("maxOutputChars", options.maxOutputChars, DEFAULT_SETTINGS.maxOutputChars, 100_000_000),
    ),
    maxBatchSize: Math.floor(
      positive("maxBatchSize", options.maxBatchSize, DEFAULT_SETTINGS.maxBatchSize, 1e6),
    ),
    startTimeoutMs: positive("startTimeoutMs", options.startTimeoutMs, DEFAULT_SETTINGS.startTimeoutMs, day),
    contextTimeoutMs: positive(
      "contextTimeoutMs",
      options.contextTimeoutMs,
      DEFAULT_SETTINGS.contextTimeoutMs,
      day,
    ),
    networkIsolation,
  };
}
