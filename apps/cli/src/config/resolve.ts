/**
 * Where each setting comes from. Relays: --relay, else the relays of a --network flag, else PYLON_RELAYS,
 * else the relays of PYLON_NETWORK or of the file's `network`. The mint likewise (--mint, --network,
 * PYLON_MINT, then the network's first mint). Models and budget: the flag, else the file.
 */
import { ConfigFileError, configPath, readConfig, unknownNetwork } from "./file.js";
import { BUILT_IN_NETWORKS, type NetworkProfile, type PylonConfig } from "./schema.js";

export type Source = "flag" | "env" | "file" | "built-in";

export interface Sourced<T> {
  value: T;
  source: Source;
  /** The network the value came from, when it did. */
  network?: string;
}

export interface LoadedConfig {
  file: string;
  config: PylonConfig;
}

/** The data dir's config file, read and validated. */
export function loadConfig(home: string): LoadedConfig {
  const file = configPath(home);
  return { file, config: readConfig(file) };
}

/** The network in force: --network, else PYLON_NETWORK, else the file's; undefined when none is named. */
export function chosenNetwork(flag: string | undefined, loaded: LoadedConfig): Sourced<string> | undefined {
  const env = process.env.PYLON_NETWORK?.trim() || undefined;
  const chosen: Sourced<string> | undefined =
    flag !== undefined
      ? { value: flag, source: "flag" }
      : env !== undefined
        ? { value: env, source: "env" }
        : loaded.config.network !== undefined
          ? { value: loaded.config.network, source: "file" }
          : undefined;
  if (chosen && !(chosen.value in BUILT_IN_NETWORKS) && !(chosen.value in (loaded.config.networks ?? {}))) {
    const where =
      chosen.source === "flag" ? "--network" : chosen.source === "env" ? "PYLON_NETWORK" : loaded.file;
    throw new ConfigFileError(`${where}: ${unknownNetwork(chosen.value, loaded.config)}`);
  }
  return chosen;
}

/** One field of a network: the file's where it sets it, else the built-in's. */
function networkField(
  name: string,
  field: keyof NetworkProfile,
  config: PylonConfig,
): Sourced<string[]> | undefined {
  const fromFile = config.networks?.[name]?.[field];
  if (fromFile !== undefined) return { value: fromFile, source: "file", network: name };
  const builtIn = BUILT_IN_NETWORKS[name]?.[field];
  return builtIn === undefined ? undefined : { value: [...builtIn], source: "built-in", network: name };
}

/** Every network, built-in ones with the file's overrides applied. */
export function allNetworks(config: PylonConfig): Record<string, NetworkProfile> {
  const names = [...new Set([...Object.keys(BUILT_IN_NETWORKS), ...Object.keys(config.networks ?? {})])];
  return Object.fromEntries(
    names.map((name) => [name, { ...BUILT_IN_NETWORKS[name], ...config.networks?.[name] }]),
  );
}

function envList(name: string): string[] | undefined {
  const list = (process.env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return list.length > 0 ? list : undefined;
}

/** The relays in force, or undefined when nothing names any. */
export function resolveRelays(
  flags: { relay?: string[] | undefined; network?: string | undefined },
  loaded: LoadedConfig,
): Sourced<string[]> | undefined {
  const network = chosenNetwork(flags.network, loaded); // an unknown name is refused even when unused
  const relays = flags.relay?.map((relay) => relay.trim()).filter((relay) => relay !== "");
  if (relays && relays.length > 0) return { value: relays, source: "flag" };
  if (network?.source === "flag") return networkField(network.value, "relays", loaded.config);
  const env = envList("PYLON_RELAYS");
  if (env) return { value: env, source: "env" };
  return network && networkField(network.value, "relays", loaded.config);
}

/** The mints in force (the first is the one a buyer pays from), or undefined when nothing names any. */
export function resolveMints(
  flags: { mint?: string | string[] | undefined; network?: string | undefined },
  loaded: LoadedConfig,
): Sourced<string[]> | undefined {
  const network = chosenNetwork(flags.network, loaded);
  const mints = typeof flags.mint === "string" ? [flags.mint] : flags.mint;
  if (mints && mints.length > 0) return { value: mints, source: "flag" };
  if (network?.source === "flag") return networkField(network.value, "mints", loaded.config);
  const env = envList("PYLON_MINT");
  if (env) return { value: env, source: "env" };
  return network && networkField(network.value, "mints", loaded.config);
}
