import { Command } from "commander";
import { configPath, parseValue, readConfig, withKey, writeConfig } from "../config/file.js";
import {
  allNetworks,
  chosenNetwork,
  loadConfig,
  resolveMints,
  resolveRelays,
  type Sourced,
} from "../config/resolve.js";
import { dataDir, NETWORK_FLAG } from "../options.js";

/** `pylon config path|show|set|unset`: the user's config file, $PYLON_HOME/config.json. */
export function configCommand(): Command {
  const config = new Command("config")
    .description("the config file: named networks (relays, mints), default models, budget and trust settings")
    .addHelpText(
      "after",
      "\nBuilt-in networks: local (ws://127.0.0.1:7777, http://127.0.0.1:3338: `pylon relay` and `pylon mint`)\n" +
        "and testnet (public relays and the public test mint https://testnut.cashu.space; online only, its sats\n" +
        "are worth nothing). config.json may override either and add its own. Flags beat env, env beats the file:\n" +
        "--relay/--mint, then --network, then PYLON_RELAYS/PYLON_MINT, then PYLON_NETWORK or the file's `network`.\n" +
        'Example: pylon config set network testnet; pylon config set networks.home.relays "wss://a,wss://b"',
    );
  config
    .command("path")
    .description("print where the config file is (it need not exist yet)")
    .action(() => console.log(configPath(dataDir())));
  config
    .command("show")
    .description(
      "print the effective settings as JSON, each with where it came from (flag, env, file, built-in)",
    )
    .option(...NETWORK_FLAG)
    .action((opts: { network?: string }) => console.log(JSON.stringify(effective(opts.network), null, 2)));
  config
    .command("set")
    .description(
      "set a dotted key (e.g. network, networks.NAME.relays, models.root, budget.sats); validated first",
    )
    .argument("<key>", "dotted key")
    .argument("<value>", "the value; lists comma-separated or as JSON")
    .action((key: string, value: string) => {
      const file = configPath(dataDir());
      writeConfig(file, withKey(readConfig(file), key, parseValue(key, value)));
      console.error(`pylon config: ${key} set in ${file}`);
    });
  config
    .command("unset")
    .description("remove a dotted key")
    .argument("<key>", "dotted key")
    .action((key: string) => {
      const file = configPath(dataDir());
      writeConfig(file, withKey(readConfig(file), key, undefined));
      console.error(`pylon config: ${key} removed from ${file}`);
    });
  return config;
}

/** What the network commands would use now, and the file merged with the built-in networks. */
function effective(network: string | undefined): Record<string, unknown> {
  const loaded = loadConfig(dataDir());
  const { models, budget } = loaded.config;
  const fromFile = <T>(value: T | undefined): Sourced<T> | null =>
    value === undefined ? null : { value, source: "file" };
  return {
    file: loaded.file,
    network: chosenNetwork(network, loaded) ?? null,
    relays: resolveRelays({ network }, loaded) ?? null,
    mints: resolveMints({ network }, loaded) ?? null,
    models: { root: fromFile(models?.root), sub: fromFile(models?.sub), node: fromFile(models?.node) },
    budget: { sats: fromFile(budget?.sats) },
    trust: fromFile(loaded.config.trust),
    serve: fromFile(loaded.config.serve),
    mcp: fromFile(loaded.config.mcp),
    networks: allNetworks(loaded.config),
  };
}
