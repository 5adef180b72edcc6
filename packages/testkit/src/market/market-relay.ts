import type { RelayOptions, RunningRelay } from "@pylon/relay";
import type { Cleanup } from "../cleanup.js";
import { type ForeignRelay, type ForeignRelayOptions, startForeignRelay } from "./foreign-relay.js";
import { startTestRelay } from "./servers.js";

/** Which relay a test market runs on: Pylon's own (the default) or the foreign one, with its options. */
export type MarketRelayChoice =
  | "pylon"
  | "foreign"
  | { kind: "pylon"; options?: RelayOptions }
  | { kind: "foreign"; options?: ForeignRelayOptions };

/** What every relay choice gives: its URL and a close. */
export type MarketRelay = RunningRelay | ForeignRelay;

/** Starts the chosen relay on 127.0.0.1 (a free port unless the options name one), closed at cleanup. */
export function startMarketRelay(
  cleanup: Cleanup,
  choice: MarketRelayChoice = "pylon",
): Promise<MarketRelay> {
  const { kind, options } = typeof choice === "string" ? { kind: choice, options: undefined } : choice;
  return kind === "foreign"
    ? startForeignRelay(cleanup, (options ?? {}) as ForeignRelayOptions)
    : startTestRelay(cleanup, (options ?? {}) as RelayOptions);
}
