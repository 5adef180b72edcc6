/**
 * The flags several commands take, the parsers of every flag value, and the environment variables behind
 * them (PYLON_HOME, PYLON_RELAYS, PYLON_MINT, OPENAI_*): each defined once. It loads no Pylon package, so a
 * command that needs none (`pylon relay`) does not pay for one; the flags of an RLM run, whose parsers need
 * @pylon/rlm, are in rlm-options.ts.
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { GpuSetting } from "@pylon/inference";
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig, resolveMints, resolveRelays } from "./config/resolve.js";

// Numbers.

/** A parser of the numbers `ok` accepts; anything else is refused as "is not <what>". */
function numbers(ok: (n: number) => boolean, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!ok(n)) throw new InvalidArgumentError(`"${value}" is not ${what}.`);
    return n;
  };
}

const integerIn = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;

/** A TCP port (0 means "any free port"). */
export const parsePort = numbers(integerIn(0, 65535), "a port number (0-65535)");
export const parsePositiveInt = numbers(integerIn(1, Number.POSITIVE_INFINITY), "a positive integer");
const wholeNumber = numbers(integerIn(0, Number.POSITIVE_INFINITY), "a whole number");
/** A whole number, 0 included; a negative one is told what is wrong with it, not that it is not whole. */
export function parseCount(value: string): number {
  if (Number.isInteger(Number(value)) && Number(value) < 0)
    throw new InvalidArgumentError(`"${value}" must be 0 or more.`);
  return wholeNumber(value);
}
export const parsePositiveNumber = numbers((n) => Number.isFinite(n) && n > 0, "a positive number");
/** A task generator's seed: 32 bits. */
export const parseSeed = numbers(integerIn(0, 0xffffffff), "a seed (0 to 2^32-1)");
/** A mint's NUT-02 input fee, in parts per thousand. */
export const parseFeePpk = numbers(integerIn(0, 100_000), "an input fee in ppk (0-100000)");

// Words and lists.

/** One of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`"${value}" is not one of: ${choices.join(", ")}.`);
  };
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

// Places: the data dir, and the relay and mint of the market.

/** Where pylon keeps keys and databases: $PYLON_HOME, else ~/.pylon. Created 0700 on first use. */
export function dataDir(): string {
  const dir = process.env.PYLON_HOME || join(homedir(), ".pylon");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** `--network <name>`: a named set of relays and mints (built-in `local` and `testnet`, or the config file's). */
export const NETWORK_FLAG = [
  "--network <name>",
  "relays and mints of a named network: local | testnet | one in config.json (env: PYLON_NETWORK)",
] as const;

/** The relays: `--relay` (repeatable), else --network's, else PYLON_RELAYS, else the config's network; at least one. */
export function relaysFrom(flag: string[] | undefined, network?: string): string[] {
  const relays = resolveRelays({ relay: flag, network }, loadConfig(dataDir()))?.value ?? [];
  if (relays.length === 0)
    throw new Error("no relay: pass --relay URL (repeatable) or --network NAME, or set PYLON_RELAYS");
  return relays;
}

/** Relays were named (flag, env or a network): the market is there to be used. */
export function relaysConfigured(flag: string[] | undefined, network?: string): boolean {
  return (resolveRelays({ relay: flag, network }, loadConfig(dataDir()))?.value.length ?? 0) > 0;
}

/** The mint: `--mint`, else --network's first, else PYLON_MINT, else the config's network's; undefined when none. */
export function mintFrom(flag: string | undefined, network?: string): string | undefined {
  return resolveMints({ mint: flag, network }, loadConfig(dataDir()))?.value[0];
}

// Models.

export const GPU_CHOICES = ["auto", "off", "cuda", "vulkan", "metal"] as const;
export type GpuChoice = (typeof GPU_CHOICES)[number];

/** `--gpu` as llama.cpp takes it: off is false. */
export function gpuSetting(choice: GpuChoice): GpuSetting {
  return choice === "off" ? false : choice;
}

/** The OpenAI-compatible endpoint of `openai:MODEL`: OPENAI_BASE_URL and OPENAI_API_KEY where set. */
export function openaiFromEnv(): { baseURL?: string; apiKey?: string } {
  return {
    ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}),
    ...(process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
  };
}

// The local servers (`pylon relay`, `pylon mint`).

export interface ListenCliOptions {
  port: number;
  host: string;
  db?: string;
  quiet?: boolean;
}

/** Adds the flags of a local server: where it listens and its SQLite file (<data dir>/<name>.db by default). */
export function addListenOptions(command: Command, name: string, port: number): Command {
  return command
    .option("-p, --port <n>", "port to listen on (0 picks a free port)", parsePort, port)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--db <file>",
      `SQLite file, or ":memory:" for a throwaway ${name} (default: <data dir>/${name}.db)`,
    );
}

/** Where a local server listens and keeps its data, from its flags. */
export function listenAt(opts: ListenCliOptions, name: string): { host: string; port: number; db: string } {
  return { host: opts.host, port: opts.port, db: opts.db ?? join(dataDir(), `${name}.db`) };
}

/** A local server's log: stderr, or nothing with --quiet. */
export function serverLog(opts: ListenCliOptions): ((line: string) => void) | undefined {
  return opts.quiet ? undefined : (line) => console.error(line);
}
