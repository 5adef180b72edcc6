import { startRelay } from "@pylon/relay";
import { Command, InvalidArgumentError } from "commander";
import { assertDbFolder } from "../db-folder.js";
import {
  addListenOptions,
  type ListenCliOptions,
  listenAt,
  oneOf,
  parseCount,
  parsePositiveInt,
  serverLog,
} from "../options.js";
import { closeOnShutdown } from "../shutdown.js";

const AUTH_MODES = ["none", "read", "write", "all"] as const;

interface RelayCliOptions extends ListenCliOptions {
  auth: (typeof AUTH_MODES)[number];
  metricsEvery?: number;
  minPow?: number;
  maxMessageBytes?: number;
  eventsPerSecond?: number;
  restrictWrites?: string[] | true;
}

/** `--restrict-writes` alone: nobody may write; with values: only those hex pubkeys (comma-separated). */
function writers(value: string, previous: string[] | true | undefined): string[] {
  const list = value
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  for (const pubkey of list) {
    if (!/^[0-9a-f]{64}$/.test(pubkey)) throw new InvalidArgumentError(`"${pubkey}" is not a hex pubkey.`);
  }
  return [...(Array.isArray(previous) ? previous : []), ...list];
}

export function relayCommand(): Command {
  const command = new Command("relay").description(
    "run a local Nostr relay (NIP-01, 09, 11, 13, 40, 42) backed by SQLite",
  );
  return addListenOptions(command, "relay", 7777)
    .option("--auth <mode>", `require NIP-42 AUTH to: ${AUTH_MODES.join(" | ")}`, oneOf(AUTH_MODES), "none")
    .option(
      "--metrics-every <seconds>",
      "print a metrics snapshot to stderr every N seconds",
      parsePositiveInt,
    )
    .option(
      "--min-pow <bits>",
      "NIP-13: refuse events with less proof of work (leading zero bits)",
      parseCount,
    )
    .option(
      "--max-message-bytes <n>",
      "largest message accepted, in bytes (default 131072)",
      parsePositiveInt,
    )
    .option(
      "--events-per-second <n>",
      "EVENTs per second per connection, burst the same (default 500, burst 1000)",
      parsePositiveInt,
    )
    .option(
      "--restrict-writes [pubkeys]",
      'refuse events with "restricted:" (from everyone, or from all but these comma-separated hex pubkeys)',
      writers,
    )
    .option("--quiet", "do not log connections")
    .addHelpText(
      "after",
      "\nThe relay serves NIP-11 (Accept: application/nostr+json) and GET /metrics on the same port.\n" +
        "Stop it with Ctrl-C (SIGINT) or SIGTERM; events in a file database survive restarts.",
    )
    .action(async (opts: RelayCliOptions) => {
      const listen = listenAt(opts, "relay");
      assertDbFolder(listen.db);
      const relay = await startRelay({
        ...listen,
        auth: {
          read: opts.auth === "read" || opts.auth === "all",
          write: opts.auth === "write" || opts.auth === "all",
        },
        ...(opts.restrictWrites !== undefined ? { restrictWrites: opts.restrictWrites } : {}),
        limits: {
          ...(opts.minPow !== undefined ? { minPowDifficulty: opts.minPow } : {}),
          ...(opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : {}),
          ...(opts.eventsPerSecond !== undefined
            ? { eventsPerSecond: opts.eventsPerSecond, eventBurst: opts.eventsPerSecond }
            : {}),
        },
        log: relayLog(serverLog(opts)),
      });
      const timer = opts.metricsEvery
        ? setInterval(() => console.error(JSON.stringify(relay.metrics())), opts.metricsEvery * 1000)
        : undefined;
      const close = async () => {
        clearInterval(timer);
        await relay.close();
      };
      // Before the line scripts wait for: a SIGTERM sent as soon as it appears must find its handler.
      closeOnShutdown("relay", close, () => `metrics ${JSON.stringify(relay.metrics())}`);
      // The one line scripts wait for: it carries the URL even when --port 0 picked the port.
      console.log(`pylon relay listening on ${relay.url} (db: ${listen.db})`);
    });
}

/**
 * The relay's log, less the two lines this command says itself: the listening line (on stdout, for scripts)
 * and a failure to listen (the command's error).
 */
function relayLog(log: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  if (!log) return undefined;
  return (line) => {
    if (line.startsWith("relay listening on ") || line.startsWith("websocket server error: listen ")) return;
    log(line);
  };
}
