#!/usr/bin/env node
import { buildProgram } from "./program.js";

buildProgram(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    console.error(`pylon: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
