/**
 * `pylon mcp`: the market as an MCP server over stdio, for MCP clients (editor agents, desktop assistants)
 * to start. Tool `rlm_query` answers a question over files, folders or text with an RLM, reading files only
 * inside the folders given with --allow; `market_models` lists the market. stdout carries the protocol only.
 */
import { statSync } from "node:fs";
import { serveMcpOverStdio } from "@pylon/gateway";
import { Command } from "commander";
import { loadConfig } from "../config/resolve.js";
import { applyMcpConfig, type McpCliOptions, resolveAllowed } from "../mcp/mcp-options.js";
import { collect, dataDir, parsePositiveNumber } from "../options.js";
import { addMarketServiceOptions, openMarketService } from "../serve/market-flags.js";
import { DEFAULT_REQUEST_SATS } from "../serve/serve-options.js";
import { onShutdown } from "../shutdown.js";
import { addTrustOptions, applyTrustConfig } from "../trust/run-flags.js";
import { version } from "../version.js";

export function mcpCommand(): Command {
  const command = new Command("mcp")
    .description("the market as an MCP server over stdio: rlm_query over your files, market_models")
    .option(
      "--allow <dir>",
      "a folder rlm_query may read, symlinks followed (repeatable; default: config mcp.allow; none: text only)",
      collect,
    )
    .option(
      "--budget-sats <sats>",
      `most one rlm_query call may cost, sats (default: config mcp.budgetSats, else ${DEFAULT_REQUEST_SATS})`,
      parsePositiveNumber,
    )
    .option("--quiet", "no log lines on stderr but errors");
  return addTrustOptions(addMarketServiceOptions(command, "one rlm_query run"))
    .addHelpText(
      "after",
      "\nRegister it with an MCP client, e.g. Claude Code: claude mcp add pylon -- pylon mcp --allow ~/docs\n" +
        "Paths rlm_query is given must lie inside an --allow folder (and inside the client's roots, when it has\n" +
        "any); others are refused and nothing is read. Receipts and RLM logs: <data dir>/serve/<id>.json / .jsonl.\n" +
        "The server stops when the client closes stdin, or on SIGINT/SIGTERM; the tabs are closed either way.",
    )
    .action(async (opts: McpCliOptions) => {
      const home = dataDir();
      const loaded = loadConfig(home);
      applyMcpConfig(command, opts, loaded);
      applyTrustConfig(command, opts, loaded);
      await serveMcp(opts, home);
    });
}

async function serveMcp(opts: McpCliOptions, home: string): Promise<void> {
  const say = (line: string) => console.error(`pylon mcp: ${line}`);
  // The protocol owns stdout: anything a library prints with console.log goes to stderr instead.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  const roots = resolveAllowed(opts.allow ?? []);
  for (const root of roots)
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`--allow ${root}: no such folder`);
  const service = await openMarketService(opts, home, say);
  const budgetSats = opts.budgetSats ?? DEFAULT_REQUEST_SATS;
  const stop = async (why: string) => {
    say(`${why}: stopping (calls in flight are aborted, the tabs closed)`);
    await service.close();
  };
  onShutdown(async (signal) => {
    await stop(signal);
    say("stopped");
  });
  if (!opts.quiet)
    say(
      `serving MCP on stdio: rlm_query (at most ${budgetSats} sats a call; reads ${roots.length > 0 ? roots.join(", ") : "no folder: text only"}), market_models`,
    );
  await serveMcpOverStdio({
    service,
    roots,
    budgetSats,
    version,
    ...(opts.quiet ? {} : { log: say }),
  });
  await stop("the client closed the connection");
  say("stopped");
  // Nothing is left to do: leave now rather than wait on a socket some library keeps open.
  process.exit(0);
}
