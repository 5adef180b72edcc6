/**
 * The user's config file ($PYLON_HOME/config.json): named networks (relays and mints), the chosen network,
 * default models and budget. Strict: an unknown key is refused rather than silently ignored, so a typo
 * never makes a setting vanish. The two built-in networks live here too.
 */
import { z } from "zod";
import { decodePublicKey } from "../trust/keys.js";

const url = (schemes: readonly string[], what: string) =>
  z.string({ error: `must be ${what}` }).refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be ${what}`);

const relayUrl = url(["ws:", "wss:"], "a ws:// or wss:// URL");
const mintUrl = url(["http:", "https:"], "an http:// or https:// URL");

/** Lower-case words, digits, - and _: safe as a flag value and a JSON key. */
export const NETWORK_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const networkName = z
  .string({ error: "must be a network name" })
  .regex(NETWORK_NAME, "must be a network name (a-z, 0-9, - and _)");

export const networkSchema = z.strictObject({
  relays: z.array(relayUrl, { error: "must be a list of ws:// or wss:// URLs" }).optional(),
  mints: z.array(mintUrl, { error: "must be a list of http:// or https:// URLs" }).optional(),
});

/** "sha256:" and 64 lower-case hex digits: a GGUF's digest as providers announce it. */
export const MODEL_DIGEST = /^sha256:[0-9a-f]{64}$/;

const trustSchema = z.strictObject({
  /** `pylon run --model-digest`: only providers announcing this GGUF digest. */
  modelDigest: z
    .string({ error: "must be sha256: and 64 lower-case hex digits" })
    .regex(MODEL_DIGEST, "must be sha256: and 64 lower-case hex digits")
    .optional(),
  /** `pylon run --check-rate`: the share of a long-known provider's answers spot-checked, 0–1. */
  checkRate: z
    .number({ error: "must be a number from 0 to 1" })
    .min(0, "must be a number from 0 to 1")
    .max(1, "must be a number from 0 to 1")
    .optional(),
  /** false: `pylon run --no-checks` (no spot checks; the book and its blocks still hold). */
  checks: z.boolean({ error: "must be true or false" }).optional(),
  /** `pylon run --publish-verdicts`: publish NIP-32 labels about providers caught. */
  publishVerdicts: z.boolean({ error: "must be true or false" }).optional(),
  /** `pylon run --trust-labels-from`: buyers (npub or hex) whose verdicts are read. */
  trustLabelsFrom: z
    .array(
      z
        .string({ error: "must be an npub or a 64-digit hex public key" })
        .refine((key) => decodePublicKey(key) !== undefined, "must be an npub or a 64-digit hex public key"),
      { error: "must be a list of npubs or hex public keys" },
    )
    .optional(),
});

const positive = z.number({ error: "must be a positive number" }).positive("must be a positive number");
const positiveInt = z
  .number({ error: "must be a positive integer" })
  .int("must be a positive integer")
  .positive("must be a positive integer");

const serveSchema = z.strictObject({
  /** `pylon serve --port`. */
  port: z
    .number({ error: "must be a port number (0-65535)" })
    .int("must be a port number (0-65535)")
    .min(0, "must be a port number (0-65535)")
    .max(65535, "must be a port number (0-65535)")
    .optional(),
  /** `pylon serve --host`. */
  host: z.string({ error: "must be an address" }).min(1, "must be an address").optional(),
  /** `pylon serve --token-file`. */
  tokenFile: z.string({ error: "must be a file path" }).min(1, "must be a file path").optional(),
  /** `pylon serve --budget-request-sats`. */
  budgetRequestSats: positive.optional(),
  /** `pylon serve --budget-day-sats`. */
  budgetDaySats: positive.optional(),
  /** `pylon serve --root` / `--sub`: the RLM's models. */
  root: z.string({ error: "must be a model spec" }).min(1, "must be a model spec").optional(),
  sub: z.string({ error: "must be a model spec" }).min(1, "must be a model spec").optional(),
  /** `pylon serve --concurrency`: requests served at once. */
  concurrency: positiveInt.optional(),
  /** `pylon serve --max-price`, sats. */
  maxPrice: positive.optional(),
});

const mcpSchema = z.strictObject({
  /** `pylon mcp --allow`: the folders rlm_query may read (used when no --allow is given). */
  allow: z
    .array(z.string({ error: "must be a folder path" }).min(1, "must be a folder path"), {
      error: "must be a list of folder paths",
    })
    .optional(),
  /** `pylon mcp --budget-sats`: most one rlm_query call may cost, sats. */
  budgetSats: z
    .number({ error: "must be a positive number" })
    .positive("must be a positive number")
    .optional(),
});

export const configSchema = z.strictObject({
  /** The network used when neither --network nor PYLON_NETWORK names one. */
  network: networkName.optional(),
  networks: z.record(networkName, networkSchema, { error: "must be an object of networks" }).optional(),
  models: z
    .strictObject({
      /** `pylon run --root` when not given. */
      root: z.string({ error: "must be a model spec" }).min(1, "must be a model spec").optional(),
      /** `pylon run --sub` when not given (swarm included). */
      sub: z.string({ error: "must be a model spec" }).min(1, "must be a model spec").optional(),
      /** `pylon node --model` when neither the flag nor PYLON_MODEL gives one. */
      node: z
        .string({ error: "must be a model path or URI" })
        .min(1, "must be a model path or URI")
        .optional(),
    })
    .optional(),
  budget: z
    .strictObject({
      /** `pylon run --budget` when not given, in sats. */
      sats: z.number({ error: "must be a positive number" }).positive("must be a positive number").optional(),
    })
    .optional(),
  /** `pylon run`'s spot checks and model identity (docs/trust.md), where the flags leave them unset. */
  trust: trustSchema.optional(),
  /** `pylon serve`'s settings where its flags leave them unset. */
  serve: serveSchema.optional(),
  /** `pylon mcp`'s allowed folders and budget where its flags leave them unset. */
  mcp: mcpSchema.optional(),
});

export type PylonConfig = z.infer<typeof configSchema>;
export type NetworkProfile = z.infer<typeof networkSchema>;

/**
 * Built-in networks. `local`: where `pylon relay` (7777) and `pylon mint` (3338) listen by default.
 * `testnet`: well-known public relays and the public fake-Lightning test mint; online only, its sats are
 * worth nothing. The file may override either, field by field.
 */
export const BUILT_IN_NETWORKS: Readonly<Record<string, Required<NetworkProfile>>> = {
  local: { relays: ["ws://127.0.0.1:7777"], mints: ["http://127.0.0.1:3338"] },
  testnet: {
    relays: ["wss://relay.damus.io", "wss://nos.lol", "wss://relay.primal.net"],
    mints: ["https://testnut.cashu.space"],
  },
};

/** `networks.testnet.relays[0]`: the key path of a zod issue as the user would write it. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
