/**
 * `pylon serve`: the market as an OpenAI-compatible HTTP API on this machine. One market (wallet, tabs) for
 * the server's life; every request a paid job or an RLM run, within per-request and per-day budgets.
 */
import { join } from "node:path";
import { loadOrCreateToken, startOpenAIServer } from "@pylon/gateway";
import { Command } from "commander";
import { loadConfig } from "../config/resolve.js";
import { dataDir, parsePort, parsePositiveInt, parsePositiveNumber } from "../options.js";
import { serveDir } from "../serve/files.js";
import { addMarketServiceOptions, openMarketService } from "../serve/market-flags.js";
import {
  applyServeConfig,
  DEFAULT_CONCURRENCY,
  DEFAULT_DAY_SATS,
  DEFAULT_PORT,
  DEFAULT_REQUEST_SATS,
  isLoopback,
  type ServeCliOptions,
  tokenFileOf,
} from "../serve/serve-options.js";
import { onShutdown } from "../shutdown.js";
import { addTrustOptions, applyTrustConfig } from "../trust/run-flags.js";

export function serveCommand(): Command {
  const command = new Command("serve")
    .description(
      "the market as an OpenAI-compatible API: market/<model> jobs and RLM runs, paid from the wallet",
    )
    .option("-p, --port <n>", "port to listen on (0 picks a free port)", parsePort, DEFAULT_PORT)
    .option(
      "--host <address>",
      "address to listen on (anything but loopback is reachable from the network)",
      "127.0.0.1",
    )
    .option(
      "--token-file <file>",
      "the bearer token clients send, created 0600 on first start (default: <data dir>/serve/token)",
    )
    .option("--show-token", "print the token itself (it is a key to the wallet: keep it out of logs)")
    .option(
      "--budget-request-sats <sats>",
      "most one request may cost, sats",
      parsePositiveNumber,
      DEFAULT_REQUEST_SATS,
    )
    .option(
      "--budget-day-sats <sats>",
      "most all requests may cost per UTC day, sats (kept in <data dir>/serve/budget.json)",
      parsePositiveNumber,
      DEFAULT_DAY_SATS,
    )
    .option(
      "--concurrency <n>",
      "requests served at once (more get 429)",
      parsePositiveInt,
      DEFAULT_CONCURRENCY,
    )
    .option("--quiet", "no request lines on stderr");
  return addTrustOptions(addMarketServiceOptions(command, "one RLM run"))
    .addHelpText(
      "after",
      "\nClients: OPENAI_BASE_URL=http://HOST:PORT/v1 and OPENAI_API_KEY=<the token file's content>.\n" +
        "Models: market/<name> (one paid job to the best live provider), rlm (an RLM run: the last user message is\n" +
        "the question, pylon_context or the earlier messages the context), rlm/swarm:<name>. GET /v1/models lists them.\n" +
        "Receipts and RLM logs: <data dir>/serve/<completion id>.json / .jsonl. SIGINT/SIGTERM closes the tabs and exits.",
    )
    .action(async (opts: ServeCliOptions) => {
      const home = dataDir();
      const loaded = loadConfig(home);
      applyServeConfig(command, opts, loaded);
      applyTrustConfig(command, opts, loaded);
      await serve(opts, home);
    });
}

async function serve(opts: ServeCliOptions, home: string): Promise<void> {
  const say = (line: string) => console.error(`pylon serve: ${line}`);
  if (!isLoopback(opts.host))
    say(
      `WARNING: listening on ${opts.host}: the API is reachable from the network; anyone with the token spends your wallet`,
    );
  const tokenFile = tokenFileOf(opts, home);
  const token = await loadOrCreateToken(tokenFile);
  const service = await openMarketService(opts, home, say);
  const server = await startOpenAIServer({
    service,
    host: opts.host,
    port: opts.port,
    token,
    budgets: {
      perRequestSats: opts.budgetRequestSats,
      perDaySats: opts.budgetDaySats,
      ledgerFile: join(serveDir(home), "budget.json"),
    },
    maxConcurrent: opts.concurrency,
    ...(opts.quiet
      ? {}
      : {
          onRequest: (line) =>
            say(
              `${line.id} ${line.model} ${line.status} ${round(line.costSats)} sats ${Math.round(line.ms)} ms${line.error ? ` (${line.error})` : ""}`,
            ),
        }),
  }).catch(async (error: NodeJS.ErrnoException) => {
    await service.close();
    if (error.code === "EADDRINUSE")
      throw new Error(`port ${opts.port} on ${opts.host} is already in use: pick another with --port`);
    throw error;
  });
  const models = (await service.models()).map((model) => model.id);
  say(`listening on ${server.baseURL} (models: ${models.join(", ")})`);
  say(`token in ${tokenFile}; point OpenAI clients at this server with:`);
  console.log(`export OPENAI_BASE_URL=${server.baseURL}`);
  console.log(`export OPENAI_API_KEY="$(cat ${tokenFile})"`);
  if (opts.showToken) console.log(`# token: ${token}`);
  onShutdown(async (signal) => {
    say(`${signal}: stopping (in-flight requests are aborted, the tabs closed)`);
    const stopping = server.close(); // stops accepting at once
    await service.close();
    await stopping;
    say("stopped");
  });
}

function round(sats: number): number {
  return Math.round(sats * 1000) / 1000;
}
