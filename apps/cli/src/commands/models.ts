import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { GENERATED_MODEL_SHAPES, generatedModelShape, writeTinyGguf } from "@pylon/inference";
import { Command } from "commander";
import { dataDir } from "../options.js";

export function modelsCommand(): Command {
  const models = new Command("models").description("get models for a node");
  models
    .command("tiny")
    .description(
      "write the generated tiny GGUF (a ~0.5 MB random-weight llama model for tests and offline demos)",
    )
    .option("--out <file>", "where to write it (default: <data dir>/models/<shape>.gguf)")
    .option(
      "--shape <name>",
      `a larger generated shape for benchmarks: ${Object.keys(GENERATED_MODEL_SHAPES).join(", ")} ` +
        "(medium ones hold 134M random weights: 75-540 MB, a few seconds to write)",
      "tiny",
    )
    .action(async (opts: { out?: string; shape: string }) => {
      const shape = generatedModelShape(opts.shape);
      const file = resolve(opts.out ?? join(dataDir(), "models", `${opts.shape}.gguf`));
      await mkdir(dirname(file), { recursive: true });
      const bytes = await writeTinyGguf(file, shape);
      // The path alone on stdout, so scripts can capture it.
      console.log(file);
      console.error(
        `pylon models: wrote ${bytes} bytes (random weights: fluent nonsense, real inference path)`,
      );
    });
  return models;
}
