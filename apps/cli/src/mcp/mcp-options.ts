/**
 * `pylon mcp`'s flags, with the config file's `mcp.*` keys where a flag was not given (`mcp.allow` is used
 * only when no --allow is: the flags replace the list rather than add to it, as --relay does).
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { LoadedConfig } from "../config/resolve.js";
import type { MarketCliOptions } from "../serve/market-flags.js";

export interface McpCliOptions extends MarketCliOptions {
  allow?: string[];
  budgetSats?: number;
}

export function applyMcpConfig(command: Command, opts: McpCliOptions, loaded: LoadedConfig): void {
  const mcp = loaded.config.mcp;
  if (!mcp) return;
  const unset = (key: string) => command.getOptionValueSource(key) !== "cli";
  if (mcp.allow !== undefined && unset("allow")) opts.allow = mcp.allow;
  if (mcp.budgetSats !== undefined && unset("budgetSats")) opts.budgetSats = mcp.budgetSats;
}

/** The allowed folders as absolute paths: `~` expanded (a config file has no shell), others from the cwd. */
export function resolveAllowed(dirs: readonly string[]): string[] {
  return dirs.map((dir) =>
    dir === "~" ? homedir() : dir.startsWith("~/") ? join(homedir(), dir.slice(2)) : resolve(dir),
  );
}
