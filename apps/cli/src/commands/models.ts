import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeTinyGguf } from "@pylon/inference";
import { Command } from "commander";
import { dataDir } from "../paths.js";

export function modelsCommand(): Command {
  const models = new Command("models").description("get models for a node");
  models
    .command("tiny")
    .description(
      "write the generated tiny GGUF (a ~0.5 MB random-weight llama model for tests and offline demos)",
    )
    .option("--out <file>", "where to write it (default: <data dir>/models/tiny.gguf)")
    .action(async (opts: { out?: string }) => {
      const file = resolve(opts.out ?? join(dataDir(), "models", "tiny.gguf"));
      await mkdir(dirname(file), { recursive: true });
      const bytes = await writeTinyGguf(file);
      // The path alone on stdout, so scripts can capture it.
      console.log(file);
      console.error(
        `pylon models: wrote ${bytes} bytes (random weights: fluent nonsense, real inference path)`,
      );
    });
  return models;
}
