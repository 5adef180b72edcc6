/**
 * `pylon serve`'s flags, with the config file's `serve.*` keys where a flag was left at its default, and the
 * ModelService settings they turn into.
 */
import { join } from "node:path";
import { type ModelSpec, parseModelSpec } from "@pylon/rlm";
import { type Command, InvalidArgumentError } from "commander";
import { ConfigFileError } from "../config/file.js";
import type { LoadedConfig } from "../config/resolve.js";
import type { MarketCliOptions } from "./market-flags.js";

export const DEFAULT_PORT = 8080;
export const DEFAULT_REQUEST_SATS = 100;
export const DEFAULT_DAY_SATS = 1_000;
export const DEFAULT_CONCURRENCY = 16;

export interface ServeCliOptions extends MarketCliOptions {
  port: number;
  host: string;
  tokenFile?: string;
  showToken?: boolean;
  budgetRequestSats: number;
  budgetDaySats: number;
  concurrency: number;
}

/** A model spec flag value (openai:MODEL | llama:PATH | swarm:MODEL | swarm | scripted). */
export function parseServeModel(value: string): ModelSpec {
  try {
    return parseModelSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The file's `serve.*` values where the flag was not given. */
export function applyServeConfig(command: Command, opts: ServeCliOptions, loaded: LoadedConfig): void {
  const serve = loaded.config.serve;
  if (!serve) return;
  const unset = (key: string) => !["cli", "env"].includes(command.getOptionValueSource(key) ?? "");
  const spec = (key: string, value: string): ModelSpec => {
    try {
      return parseModelSpec(value);
    } catch (error) {
      throw new ConfigFileError(`${loaded.file}: serve.${key}: ${(error as Error).message}`);
    }
  };
  if (serve.port !== undefined && unset("port")) opts.port = serve.port;
  if (serve.host !== undefined && unset("host")) opts.host = serve.host;
  if (serve.tokenFile !== undefined && unset("tokenFile")) opts.tokenFile = serve.tokenFile;
  if (serve.budgetRequestSats !== undefined && unset("budgetRequestSats"))
    opts.budgetRequestSats = serve.budgetRequestSats;
  if (serve.budgetDaySats !== undefined && unset("budgetDaySats")) opts.budgetDaySats = serve.budgetDaySats;
  if (serve.root !== undefined && unset("root")) opts.root = spec("root", serve.root);
  if (serve.sub !== undefined && unset("sub")) opts.sub = spec("sub", serve.sub);
  if (serve.concurrency !== undefined && unset("concurrency")) opts.concurrency = serve.concurrency;
  if (serve.maxPrice !== undefined && unset("maxPrice")) opts.maxPrice = serve.maxPrice;
}

export function tokenFileOf(opts: ServeCliOptions, home: string): string {
  return opts.tokenFile ?? join(home, "serve", "token");
}

/** Listening anywhere but loopback: anyone who can reach the port and has the token can spend the wallet. */
export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || /^127\./.test(host);
}
