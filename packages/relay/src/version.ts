/** This package's version, read from its package.json (found from src/, dist/ or dist-bench/src/). */
import { readFileSync } from "node:fs";

function readVersion(): string {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "@pylon/relay" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return "0.0.0";
}

export const RELAY_VERSION = readVersion();
export const RELAY_SOFTWARE = "pylon-relay";
