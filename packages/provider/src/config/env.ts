/**
 * `PYLON_*` environment variables as a partial config. Values are converted here (env values are all
 * strings) so that a bad one is reported under its variable name, not under a config key.
 */
import { ConfigError } from "./errors.js";

type Kind = "string" | "list" | "integer" | "boolean" | "gpu";
type Target = { key: string; nested?: "prices"; kind: Kind };

/** Variable → config key. Lists are comma- or whitespace-separated. */
export const ENV_VARIABLES: Readonly<Record<string, Target>> = {
  PYLON_RELAYS: { key: "relays", kind: "list" },
  PYLON_MODEL: { key: "model", kind: "string" },
  PYLON_MODEL_NAME: { key: "modelName", kind: "string" },
  PYLON_SLOTS: { key: "slots", kind: "integer" },
  PYLON_QUEUE: { key: "queue", kind: "integer" },
  PYLON_MAX_BATCH: { key: "maxBatch", kind: "integer" },
  PYLON_THREADS: { key: "threads", kind: "integer" },
  PYLON_CONTEXT_SIZE: { key: "contextSize", kind: "integer" },
  PYLON_GPU: { key: "gpu", kind: "gpu" },
  PYLON_PRICE_IN: { key: "inputPer1k", nested: "prices", kind: "integer" },
  PYLON_PRICE_OUT: { key: "outputPer1k", nested: "prices", kind: "integer" },
  PYLON_PRICE_MIN: { key: "minimum", nested: "prices", kind: "integer" },
  PYLON_MINTS: { key: "allowedMints", kind: "list" },
  PYLON_FREE: { key: "free", kind: "boolean" },
  PYLON_KEY_FILE: { key: "keyFile", kind: "string" },
  PYLON_DATA_DIR: { key: "dataDir", kind: "string" },
  PYLON_SERVE_OPEN: { key: "serveOpen", kind: "boolean" },
  PYLON_MAX_TOKENS: { key: "maxTokens", kind: "integer" },
  PYLON_MAX_AGE: { key: "maxAgeSec", kind: "integer" },
  PYLON_ANNOUNCE_INTERVAL: { key: "announceIntervalSec", kind: "integer" },
  PYLON_NAME: { key: "name", kind: "string" },
  PYLON_ABOUT: { key: "about", kind: "string" },
};

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, target] of Object.entries(ENV_VARIABLES)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") continue;
    const value = convert(raw.trim(), target.kind);
    if (value === undefined) {
      problems.push(`${name}: ${JSON.stringify(raw)} is not ${describeKind(target.kind)}`);
      continue;
    }
    if (target.nested) {
      const nested = (config[target.nested] ?? {}) as Record<string, unknown>;
      nested[target.key] = value;
      config[target.nested] = nested;
    } else {
      config[target.key] = value;
    }
  }
  if (problems.length > 0) throw new ConfigError("invalid environment variables", problems);
  return config;
}

function convert(text: string, kind: Kind): unknown {
  switch (kind) {
    case "string":
      return text;
    case "list":
      return text.split(/[\s,]+/).filter((item) => item !== "");
    case "integer":
      return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    case "boolean": {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined;
    }
    case "gpu":
      return FALSE.has(text.toLowerCase()) ? false : text.toLowerCase();
  }
}

function describeKind(kind: Kind): string {
  if (kind === "integer") return "a whole number";
  if (kind === "boolean") return "a boolean (true/false, 1/0, yes/no)";
  return "valid";
}
