import { existsSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { collect, dataDir, NETWORK_FLAG, parsePort, relaysConfigured, relaysFrom } from "../options.js";
import { onShutdown } from "../shutdown.js";
import { type MarketSource, marketSource } from "../view/market-source.js";
import { nodeSource } from "../view/node-source.js";
import { openBrowser } from "../view/open-browser.js";

interface ViewCliOptions {
  port: number;
  host: string;
  open: boolean;
  relay?: string[];
  network?: string;
  node?: string;
}

export function viewCommand(): Command {
  return new Command("view")
    .description(
      "a local web view of your runs (live while they run), the market and a node: prints the URL (with its access token) and opens it",
    )
    .argument("[run]", "a run id (opens its page) or a trajectory log file (.jsonl) anywhere")
    .option("-p, --port <n>", "port to listen on (0 picks a free port)", parsePort, 0)
    .option(
      "--host <address>",
      "address to listen on (anything but loopback lets other machines try the token)",
      "127.0.0.1",
    )
    .option("--no-open", "print the URL only; do not open a browser")
    .option(
      "--relay <url>",
      "relay for the market page (repeatable; default: the configured network's)",
      collect,
    )
    .option(...NETWORK_FLAG)
    .option("--node <dir>", "also show the node whose data dir this is (its jobs, tokens/s, earnings, tabs)")
    .addHelpText(
      "after",
      "\nEvery page and API call needs the token in the printed URL (then a cookie); without it the viewer\n" +
        "answers 401. Stop with Ctrl-C (SIGINT) or SIGTERM.",
    )
    .action(async (run: string | undefined, opts: ViewCliOptions) => runView(run, opts));
}

async function runView(run: string | undefined, opts: ViewCliOptions): Promise<void> {
  const home = dataDir();
  const file = run !== undefined && isLogFile(run) ? resolve(run) : undefined;
  if (!isLoopback(opts.host)) {
    console.error(
      `pylon view: warning: listening on ${opts.host}, beyond this machine; the token is all that guards your runs`,
    );
  }
  const node = opts.node !== undefined ? await nodeSource(resolve(opts.node)) : undefined;
  let market: MarketSource | undefined;
  if (opts.relay || opts.network || relaysConfigured(undefined)) {
    market = await marketSource(relaysFrom(opts.relay, opts.network), home);
  }
  const { startViewServer } = await import("@pylon/view");
  const server = await startViewServer({
    runsDir: join(home, "runs"),
    host: opts.host,
    port: opts.port,
    ...(file ? { files: [file] } : {}),
    ...(market ? { market: market.snapshot, names: market.name } : {}),
    ...(node ? { node } : {}),
  });
  const stop = async (): Promise<void> => {
    await server.close();
    market?.close();
  };
  let url = server.url;
  if (run !== undefined) {
    const page = server.runUrl(file ?? run);
    if (!page) {
      await stop();
      throw new Error(`no run "${run}": neither a run id in ${join(home, "runs")} nor a trajectory log file`);
    }
    url = page;
  }
  onShutdown(async () => {
    await stop();
  });
  // The one line scripts wait for: the URL, token included.
  console.log(url);
  if (opts.open)
    openBrowser(url, (why) =>
      console.error(`pylon view: could not open a browser (${why}); open the URL above`),
    );
}

function isLogFile(arg: string): boolean {
  if (!existsSync(arg)) return false;
  return statSync(arg).isFile();
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
