/** This package's version, read from its package.json (one level above src/ and dist/ alike). */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const RELAY_VERSION = pkg.version;
export const RELAY_SOFTWARE = "pylon-relay";
