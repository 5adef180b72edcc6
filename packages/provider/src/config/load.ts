/**
 * Builds the node configuration from, in rising precedence: built-in defaults, the caller's defaults
 * (e.g. the CLI's data dir), a JSON config file, `PYLON_*` variables, and explicit overrides (CLI flags).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { configFromEnv } from "./env.js";
import { ConfigError, describeIssues } from "./errors.js";
import { type ProviderConfig, providerConfigSchema } from "./schema.js";

export interface ConfigSources {
  /** A JSON file holding (part of) the config; relative paths in it are read from its own folder. */
  file?: string;
  /** Environment to read `PYLON_*` variables from. Not read unless given. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over everything else (parsed CLI flags). Undefined entries are ignored. */
  overrides?: Record<string, unknown>;
  /** Values used when no other source sets them. */
  defaults?: Record<string, unknown>;
}

/** Merges and validates every source. Throws ConfigError listing every problem found. */
export async function loadProviderConfig(sources: ConfigSources): Promise<ProviderConfig> {
  const layers = [
    sources.defaults ?? {},
    sources.file ? await readConfigFile(sources.file) : {},
    sources.env ? configFromEnv(sources.env) : {},
    sources.overrides ?? {},
  ];
  return parseProviderConfig(layers.reduce(mergeLayer, {}));
}

/** Validates a config object (already merged). Throws ConfigError with one line per problem. */
export function parseProviderConfig(raw: unknown): ProviderConfig {
  const parsed = providerConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError("invalid node configuration", describeIssues(parsed.error.issues));
  return parsed.data;
}

/**
 * A local model file must exist before anything slow starts; `hf:` URIs and URLs are fetched later by the
 * backend. Throws ConfigError saying how to get a model.
 */
export async function assertModelAvailable(config: Pick<ProviderConfig, "model">): Promise<void> {
  const { model } = config;
  if (typeof model !== "string" || isRemoteModel(model)) return;
  const kind = await stat(model).then(
    (info) => (info.isFile() ? "file" : info.isDirectory() ? "folder" : "other"),
    () => "missing",
  );
  if (kind === "folder") {
    throw new ConfigError(
      `model is a folder, not a GGUF file: ${model} (name the .gguf file inside it, or an hf:user/repo:quant URI)`,
    );
  }
  if (kind !== "file") {
    throw new ConfigError(`model file not found: ${model}`, [
      "generate a small test model with `pylon models tiny`",
      "or pass a GGUF path, an hf:user/repo:quant URI, or an https:// URL",
    ]);
  }
}

/**
 * A node either charges or serves for free, and says which: a paid node with every price 0 would quote each
 * job 0 msats, and `free` with a price would ignore the price. Throws ConfigError naming the values.
 */
export function assertPaymentSettings(config: Pick<ProviderConfig, "free" | "prices">): void {
  const priced = Object.entries(config.prices).filter(([, msats]) => msats > 0);
  if (config.free && priced.length > 0) {
    const named = priced.map(([key, msats]) => `prices.${key} ${msats} msats`).join(", ");
    throw new ConfigError(
      `free and priced at once (free is set, and ${named}): drop the price to serve for free, or free to charge`,
    );
  }
  if (!config.free && priced.length === 0) {
    throw new ConfigError(
      "a paid node needs a price (every price is 0, so each job would be quoted 0 msats): " +
        "set --price-in, --price-out or --price-min (msats), or serve for free with --free",
    );
  }
}

export function isRemoteModel(model: string): boolean {
  return /^(hf:|https?:\/\/)/i.test(model);
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`config file ${file}: cannot be read (${code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ConfigError(`config file ${file}: must hold a JSON object`);
  return resolvePaths(json as Record<string, unknown>, path.dirname(path.resolve(file)));
}

/** Paths written in a config file mean "next to the file", not "next to wherever the node was started". */
function resolvePaths(config: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = { ...config };
  for (const key of ["dataDir", "keyFile"] as const) {
    if (typeof out[key] === "string") out[key] = path.resolve(base, out[key] as string);
  }
  if (typeof out.model === "string" && !isRemoteModel(out.model)) out.model = path.resolve(base, out.model);
  return out;
}

/** Later layers win key by key; `prices` is merged field by field so flags can override one price. */
function mergeLayer(base: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const previous = merged[key];
    merged[key] =
      key === "prices" && isPlainObject(previous) && isPlainObject(value) ? { ...previous, ...value } : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
