/**
 * The market flags `pylon serve` and `pylon mcp` share (relays, mint, price ceiling, root and sub-call
 * models, RLM limits), and the ModelService they open: one definition, so the two commands cannot drift.
 */
import type { ModelService } from "@pylon/gateway";
import type { ModelSpec } from "@pylon/rlm";
import { type Command, Option } from "commander";
import {
  collect,
  mintFrom,
  NETWORK_FLAG,
  parseCount,
  parsePositiveInt,
  parsePositiveNumber,
  relaysFrom,
} from "../options.js";
import type { TrustCliOptions } from "../trust/run-flags.js";
import { parseServeModel } from "./serve-options.js";
import { openModelService } from "./service.js";

/** What the shared flags parse into. */
export interface MarketCliOptions extends TrustCliOptions {
  relay?: string[];
  network?: string;
  mint?: string;
  maxPrice?: number;
  providers: number;
  root: ModelSpec;
  sub: ModelSpec;
  subcallChars?: number;
  subMaxTokens?: number;
  timeout?: number;
  quiet?: boolean;
}

/** Adds the shared market flags to `command`; `run` names one RLM run in the help ("one rlm_query run"). */
export function addMarketServiceOptions(command: Command, run: string): Command {
  return command
    .option("--relay <url>", "relay of the market (repeatable; env: PYLON_RELAYS)", collect)
    .option(...NETWORK_FLAG)
    .option(
      "--mint <url>",
      "pay providers through Cashu tabs from <data dir>/wallet at this mint (env: PYLON_MINT)",
    )
    .option("--max-price <sats>", "most one job may cost, sats", parsePositiveNumber)
    .option("--providers <n>", "live providers to wait for before serving (0: do not wait)", parseCount, 1)
    .addOption(
      new Option(
        "--root <model>",
        "the RLM's root model: swarm:MODEL (swarm: = any market model) | openai:MODEL | llama:PATH | scripted (a stand-in)",
      )
        .argParser(parseServeModel)
        .default(parseServeModel("swarm:"), "swarm:"),
    )
    .addOption(
      new Option(
        "--sub <model>",
        "the RLM's sub-call model: swarm (the market) | swarm:MODEL | openai:MODEL | llama:PATH | scripted",
      )
        .argParser(parseServeModel)
        .default(parseServeModel("swarm"), "swarm"),
    )
    .option(
      "--subcall-chars <n>",
      "characters per sub-call prompt the root model is told to stay under",
      parsePositiveInt,
    )
    .option("--sub-max-tokens <n>", "max tokens per sub-call", parsePositiveInt)
    .option("--timeout <seconds>", `wall-clock limit of ${run}`, parsePositiveNumber);
}

/**
 * Opens the market the flags describe; `say` is told when no mint was given (free providers only).
 * An error names the relays it could not open the market on.
 */
export async function openMarketService(
  opts: MarketCliOptions,
  home: string,
  say: (line: string) => void,
): Promise<ModelService> {
  const relays = relaysFrom(opts.relay, opts.network);
  const mint = mintFrom(opts.mint, opts.network);
  if (!mint && !opts.quiet) say("no mint: only free providers can serve (pass --mint or --network to pay)");
  try {
    return await openModelService({
      home,
      relays,
      ...(mint ? { mint } : {}),
      ...(opts.maxPrice === undefined ? {} : { maxPriceMsats: Math.round(opts.maxPrice * 1000) }),
      providers: opts.providers,
      root: opts.root,
      sub: opts.sub,
      ...(opts.quiet ? { quiet: true } : {}),
      trust: opts,
      rlm: {
        ...(opts.subcallChars ? { subcallChars: opts.subcallChars } : {}),
        ...(opts.subMaxTokens ? { subMaxTokens: opts.subMaxTokens } : {}),
        ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
      },
    });
  } catch (error) {
    throw new Error(`the market on ${relays.join(", ")} could not be opened: ${(error as Error).message}`);
  }
}
