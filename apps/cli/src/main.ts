#!/usr/bin/env node
import { buildProgram } from "./program.js";

buildProgram(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    console.error(`pylon: ${err instanceof Error ? err.message : String(err)}`);
    // A config problem (ConfigFileError) exits 2, like a usage error; anything else 1.
    const code = (err as { exitCode?: unknown } | null)?.exitCode;
    process.exit(typeof code === "number" ? code : 1);
  });
