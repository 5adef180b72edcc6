/**
 * Reading, validating and writing $PYLON_HOME/config.json. Every problem is one line naming the file and
 * the key; the file is written 0600, atomically (a temporary file renamed over it), and only once the
 * whole new content validates, so a bad `pylon config set` leaves it as it was.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILT_IN_NETWORKS, configSchema, keyPath, type PylonConfig } from "./schema.js";

/** A config problem: the user's file or value is wrong. Exit status 2, as for a usage error. */
export class ConfigFileError extends Error {
  readonly exitCode = 2;
  readonly code = "invalid-config";
}

/** The config file of a data dir. */
export function configPath(home: string): string {
  return join(home, "config.json");
}

/** The file's content, validated; an absent file is an empty config. */
export function readConfig(file: string): PylonConfig {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigFileError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return validate(raw, file);
}

/** Validates a whole config; the first problem becomes the error, with its key path. */
export function validate(raw: unknown, file: string): PylonConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = keyPath(issue.path);
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")}`
        : issue.message;
    throw new ConfigFileError(`${file}: ${path === "" ? "" : `${path}: `}${message}`);
  }
  const config = parsed.data;
  if (config.network !== undefined && !knownNetworks(config).includes(config.network)) {
    throw new ConfigFileError(`${file}: network: ${unknownNetwork(config.network, config)}`);
  }
  return config;
}

/** Built-in networks and the file's, in that order. */
export function knownNetworks(config: PylonConfig): string[] {
  return [...new Set([...Object.keys(BUILT_IN_NETWORKS), ...Object.keys(config.networks ?? {})])];
}

export function unknownNetwork(name: string, config: PylonConfig): string {
  return `unknown network "${name}" (known: ${knownNetworks(config).join(", ")})`;
}

/** Lists are given comma-separated (or as JSON); numbers and booleans as JSON; anything else is a string. */
export function parseValue(key: string, value: string): unknown {
  const trimmed = value.trim();
  const last = key.split(".").at(-1);
  if (
    (last === "relays" || last === "mints" || last === "trustLabelsFrom" || last === "allow") &&
    !trimmed.startsWith("[")
  ) {
    return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim());
  }
  if (/^[[{]/.test(trimmed) || /^(-?\d+(\.\d+)?|true|false)$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      throw new ConfigFileError(`${key}: "${value}" is not valid JSON`);
    }
  }
  return value;
}

/** `config` with `key` (dotted) set to `value`, or removed when `value` is undefined. */
export function withKey(config: PylonConfig, key: string, value: unknown): Record<string, unknown> {
  const parts = key.split(".");
  if (parts.some((part) => part === "")) throw new ConfigFileError(`"${key}" is not a dotted key`);
  const copy = structuredClone(config) as Record<string, unknown>;
  let node = copy;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null || typeof next !== "object" || Array.isArray(next)) {
      if (value === undefined) return copy; // nothing to remove
      node[part] = {};
    }
    node = node[part] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Validates `config` and writes it 0600, atomically. */
export function writeConfig(file: string, config: unknown): PylonConfig {
  const valid = validate(config, file);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return valid;
}
