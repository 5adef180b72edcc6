import { join } from "node:path";
import { startRelay } from "@pylon/relay";
import { Command } from "commander";
import { oneOf, parsePort, parsePositiveInt } from "../options.js";
import { dataDir } from "../paths.js";
import { onShutdown } from "../shutdown.js";

const AUTH_MODES = ["none", "read", "write", "all"] as const;

export function relayCommand(): Command {
  return new Command("relay")
    .description("run a local Nostr relay (NIP-01, 09, 11, 40, 42) backed by SQLite")
    .option("-p, --port <n>", "port to listen on (0 picks a free port)", parsePort, 7777)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--db <file>", 'SQLite file, or ":memory:" for a throwaway relay (default: <data dir>/relay.db)')
    .option("--auth <mode>", `require NIP-42 AUTH to: ${AUTH_MODES.join(" | ")}`, oneOf(AUTH_MODES), "none")
    .option(
      "--metrics-every <seconds>",
      "print a metrics snapshot to stderr every N seconds",
      parsePositiveInt,
    )
    .option("--quiet", "do not log connections")
    .addHelpText(
      "after",
      "\nThe relay serves NIP-11 (Accept: application/nostr+json) and GET /metrics on the same port.\n" +
        "Stop it with Ctrl-C (SIGINT) or SIGTERM; events in a file database survive restarts.",
    )
    .action(async (opts: RelayCliOptions) => {
      const db = opts.db ?? join(dataDir(), "relay.db");
      const relay = await startRelay({
        host: opts.host,
        port: opts.port,
        db,
        auth: {
          read: opts.auth === "read" || opts.auth === "all",
          write: opts.auth === "write" || opts.auth === "all",
        },
        log: opts.quiet ? undefined : (line) => console.error(line),
      });
      // The one line scripts wait for: it carries the URL even when --port 0 picked the port.
      console.log(`pylon relay listening on ${relay.url} (db: ${db})`);
      const timer = opts.metricsEvery
        ? setInterval(() => console.error(JSON.stringify(relay.metrics())), opts.metricsEvery * 1000)
        : undefined;
      onShutdown(async (signal) => {
        if (timer) clearInterval(timer);
        console.error(`pylon relay: ${signal}, shutting down`);
        await relay.close();
        console.error(`pylon relay: stopped; metrics ${JSON.stringify(relay.metrics())}`);
      });
    });
}

interface RelayCliOptions {
  port: number;
  host: string;
  db?: string;
  auth: (typeof AUTH_MODES)[number];
  metricsEvery?: number;
  quiet?: boolean;
}
