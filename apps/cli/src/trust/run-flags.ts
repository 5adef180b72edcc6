/**
 * `pylon run`'s trust flags and the config file's `trust` keys (flag > file): which model digest to require,
 * how often to spot-check, a local model for reference answers, and the opt-in NIP-32 verdicts.
 */
import { type Command, InvalidArgumentError } from "commander";
import { ConfigFileError } from "../config/file.js";
import type { LoadedConfig } from "../config/resolve.js";
import { MODEL_DIGEST } from "../config/schema.js";
import { decodePublicKey, splitKeys } from "./keys.js";

export interface TrustCliOptions {
  modelDigest?: string;
  checkRate?: number;
  /** false: --no-checks (commander's default for a lone --no- flag is true). */
  checks?: boolean;
  verifyLocal?: string;
  publishVerdicts?: boolean;
  /** Hex public keys, decoded from the npubs given. */
  trustLabelsFrom?: string[];
}

export function parseModelDigest(value: string): string {
  const digest = value.trim();
  if (!MODEL_DIGEST.test(digest))
    throw new InvalidArgumentError(
      `"${value}" is not a model digest (sha256: and 64 lower-case hex digits).`,
    );
  return digest;
}

export function parseCheckRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidArgumentError(`"${value}" is not a check rate (a number from 0 to 1, e.g. 0.05).`);
  return rate;
}

/** Repeatable and comma-separated: each key decoded to hex, a bad one named. */
export function parseTrustedBuyers(value: string, previous: string[] | undefined): string[] {
  const keys = splitKeys([value]).map((key) => {
    const hex = decodePublicKey(key);
    if (hex === undefined)
      throw new InvalidArgumentError(`"${key}" is not an npub or a 64-digit hex public key.`);
    return hex;
  });
  return [...new Set([...(previous ?? []), ...keys])];
}

export function addTrustOptions(command: Command): Command {
  return command
    .option(
      "--model-digest <sha256:hex>",
      "market: only providers announcing this GGUF digest (every request names it)",
      parseModelDigest,
    )
    .option(
      "--check-rate <rate>",
      "market: share of a long-known provider's answers spot-checked, 0-1 (default 0.03; new providers more)",
      parseCheckRate,
    )
    .option("--no-checks", "market: no spot checks (the reputation book and its blocks still hold)")
    .option(
      "--verify-local <gguf>",
      "market: answer sampled checks with this local GGUF too (greedy, the check's seed) and compare",
    )
    .option("--publish-verdicts", "market: publish NIP-32 labels (kind 1985) about providers caught cheating")
    .option(
      "--trust-labels-from <npub>",
      "market: read NIP-32 verdicts of these buyers (repeatable or comma-separated); reported providers are checked on every job",
      parseTrustedBuyers,
    );
}

/** The config file's `trust` keys where the flags left them unset (keys decoded, a bad one named with its path). */
export function applyTrustConfig(command: Command, opts: TrustCliOptions, loaded: LoadedConfig): void {
  const trust = loaded.config.trust;
  if (!trust) return;
  const fromFlag = (key: string) => ["cli", "env"].includes(command.getOptionValueSource(key) ?? "");
  if (trust.modelDigest !== undefined && !fromFlag("modelDigest")) opts.modelDigest = trust.modelDigest;
  if (trust.checkRate !== undefined && !fromFlag("checkRate")) opts.checkRate = trust.checkRate;
  if (trust.checks !== undefined && !fromFlag("checks")) opts.checks = trust.checks;
  if (trust.publishVerdicts !== undefined && !fromFlag("publishVerdicts"))
    opts.publishVerdicts = trust.publishVerdicts;
  if (trust.trustLabelsFrom !== undefined && !fromFlag("trustLabelsFrom")) {
    opts.trustLabelsFrom = trust.trustLabelsFrom.map((key, i) => {
      const hex = decodePublicKey(key);
      if (hex === undefined)
        throw new ConfigFileError(`${loaded.file}: trust.trustLabelsFrom[${i}]: "${key}" is not an npub`);
      return hex;
    });
  }
}

/** The trust flags given on the command line: they apply to the market only (`--sub swarm`). */
export function trustFlagsGiven(command: Command): string[] {
  const keys = ["modelDigest", "checkRate", "checks", "verifyLocal", "publishVerdicts", "trustLabelsFrom"];
  return command.options
    .filter((option) => keys.includes(option.attributeName()))
    .filter((option) => command.getOptionValueSource(option.attributeName()) === "cli")
    .map((option) => option.long ?? option.flags);
}
