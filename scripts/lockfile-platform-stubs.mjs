#!/usr/bin/env node
// Some npm registry mirrors serve only the platform binaries they have been asked for (e.g. Linux builds of
// turbo and biome, but not the macOS/Windows ones). `npm install` then silently leaves those optional
// packages out of package-lock.json, and `npm ci` refuses the lockfile ("Missing: … from lock file").
// This adds a lockfile entry for each such optional platform package, marked with its os/cpu so that npm
// never tries to fetch it on a machine it doesn't fit. Run it after `npm install` if `npm ci` complains.
// A stub has no `resolved`/`integrity`, so it is a last resort: scripts/check-platforms.mjs rejects stubs for
// the binaries it checks, and node-llama-cpp's are never stubbed (pin a version the registry holds for every
// platform instead; a Mac without its Metal binary would have to build llama.cpp from source).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

function missingFromLock() {
  try {
    execFileSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
      stdio: "pipe",
    });
    return [];
  } catch (error) {
    const out = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    return [...out.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((m) => m[1]);
  }
}

const missing = missingFromLock();
if (missing.length === 0) {
  console.log("package-lock.json is complete: npm ci accepts it");
  process.exit(0);
}
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
for (const name of missing) {
  if (name.startsWith("@node-llama-cpp/"))
    throw new Error(
      `${name} is missing from the lockfile: pin node-llama-cpp to a version this registry holds for every platform`,
    );
  const parent = Object.values(lock.packages).find((p) => p.optionalDependencies?.[name]);
  if (!parent)
    throw new Error(
      `${name} is missing from the lockfile but is not an optional dependency: run npm install`,
    );
  const os = /darwin/.test(name)
    ? "darwin"
    : /win32|windows/.test(name)
      ? "win32"
      : /android/.test(name)
        ? "android"
        : /freebsd/.test(name)
          ? "freebsd"
          : "linux";
  const cpu = /arm64/.test(name) ? "arm64" : /arm/.test(name) ? "arm" : "x64";
  const entry = {
    version: parent.optionalDependencies[name],
    dev: parent.dev,
    optional: true,
    os: [os],
    cpu: [cpu],
  };
  if (/musl/.test(name)) entry.libc = ["musl"];
  lock.packages[`node_modules/${name}`] = entry;
  console.log(`stubbed ${name}@${entry.version} (${os}/${cpu})`);
}
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
const still = missingFromLock();
if (still.length > 0) throw new Error(`npm ci still refuses the lockfile: ${still.join(", ")}`);
console.log("npm ci now accepts package-lock.json");
