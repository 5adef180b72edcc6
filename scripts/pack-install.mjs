#!/usr/bin/env node
// Installs pylon the way a user would get it, and runs it there: `npm pack` every shipped workspace, `npm install`
// the tarballs into an empty prefix outside the repository (third-party packages come from the npm registry),
// then `pylon --version` and `pylon demo` from that prefix, with its own PYLON_HOME. Fails, naming the step,
// unless the demo ends with `demo: OK`. Run after a build (`npm run build`); CI runs it after the tests.
//   node scripts/pack-install.mjs          everything in a temporary folder, removed at the end
//   node scripts/pack-install.mjs --keep   keeps the folder (its path is printed) to look into a failure
// Publishing is the same set of packages: `npm run build && npm publish --workspaces` (private workspaces, the
// root, testkit and lab, are skipped).
import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { killGroup } from "./lib/process-group.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
/** The workspaces a user installs: every runtime package and the CLI (testkit and lab stay private). */
const SHIPPED = [
  "packages/protocol",
  "packages/nostr",
  "packages/relay",
  "packages/inference",
  "packages/wallet",
  "packages/mint",
  "packages/provider",
  "packages/rlm",
  "packages/trust",
  "packages/gateway",
  "packages/swarm",
  "apps/view",
  "apps/cli",
];
/** Install scripts the install may run (the same policy as the root package.json's allowScripts). */
const ALLOW_SCRIPTS = { "better-sqlite3": true, "node-llama-cpp": true };
const MINUTE = 60_000;
const started = Date.now();

class StepError extends Error {}

const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (line) => console.log(`pack-install: ${line}`);
const manifest = (dir) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));

/**
 * Runs one command in its own process group, killed whole (the demo's relay, mint and providers too) when it
 * outlives `timeoutMs`. Resolves with its combined output; rejects with a StepError naming `step`.
 */
function run(step, command, args, { cwd, env = process.env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const fail = (why) => {
      const tail = output.trimEnd().split("\n").slice(-40).join("\n");
      reject(new StepError(`${step} failed: ${why}${tail ? `\n--- last output ---\n${tail}` : ""}`));
    };
    child.on("error", (error) => {
      clearTimeout(timer);
      fail(`${command} could not start (${error.message})`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) fail(`no result after ${timeoutMs / 1000} s (${command} ${args.join(" ")})`);
      else if (code !== 0) fail(`${command} ${args.join(" ")} exited with ${code ?? signal}`);
      else resolve(output);
    });
  });
}

/** Built output must be there: the tarballs carry dist/ as it is, they do not build. */
function checkBuilt() {
  for (const dir of SHIPPED) {
    if (!existsSync(path.join(ROOT, dir, "dist"))) {
      throw new StepError(`build check failed: ${dir}/dist is missing; run npm run build first`);
    }
  }
}

/** Node looks for packages in every node_modules above a file: none may sit above the prefix. */
function checkIsolated(work) {
  if (!path.relative(ROOT, work).startsWith("..")) {
    throw new StepError(`isolation check failed: the temporary folder ${work} is inside the repository`);
  }
  for (let dir = path.dirname(work); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "node_modules"))) {
      throw new StepError(`isolation check failed: ${dir}/node_modules could serve the installed copy`);
    }
    if (dir === path.dirname(dir)) break;
  }
}

async function pack(tarballs) {
  const workspaces = SHIPPED.flatMap((dir) => ["--workspace", dir]);
  // --ignore-scripts: the root's `prepare` (a turbo build) is not the tarballs' business; dist/ is built already.
  const output = await run(
    "npm pack",
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", tarballs, ...workspaces],
    { cwd: ROOT, timeoutMs: 3 * MINUTE },
  );
  const packed = JSON.parse(output.slice(output.indexOf("[")));
  if (packed.length !== SHIPPED.length) {
    throw new StepError(`npm pack failed: ${packed.length} tarballs for ${SHIPPED.length} workspaces`);
  }
  return packed.map((entry) => path.join(tarballs, entry.filename));
}

/** The installed @pylon packages are real folders in the prefix, not links back into the repository. */
function checkInstalled(prefix) {
  for (const dir of SHIPPED) {
    const installed = path.join(prefix, "node_modules", manifest(path.join(ROOT, dir)).name);
    if (!existsSync(installed) || lstatSync(installed).isSymbolicLink()) {
      throw new StepError(`install check failed: ${installed} is missing or a link`);
    }
  }
}

/** The environment of the installed pylon: its own home, nothing that could point back at the repository. */
function userEnv(home) {
  const env = { ...process.env, PYLON_HOME: home };
  for (const key of Object.keys(env)) {
    if (key === "NODE_PATH" || key === "NODE_OPTIONS" || key.startsWith("npm_")) delete env[key];
    if (key.startsWith("PYLON_") && key !== "PYLON_HOME") delete env[key];
  }
  return env;
}

async function main() {
  checkBuilt();
  const work = mkdtempSync(path.join(os.tmpdir(), "pylon-pack-"));
  const keep = process.argv.includes("--keep");
  try {
    checkIsolated(work);
    const tarballs = path.join(work, "tarballs");
    const prefix = path.join(work, "prefix");
    const home = path.join(work, "home");
    for (const dir of [tarballs, prefix, home]) mkdirSync(dir);

    const files = await pack(tarballs);
    say(`packed ${files.length} tarballs (${seconds()})`);

    writeFileSync(
      path.join(prefix, "package.json"),
      `${JSON.stringify({ name: "pylon-install-check", private: true, allowScripts: ALLOW_SCRIPTS }, null, 2)}\n`,
    );
    await run("npm install", "npm", ["install", "--no-audit", "--no-fund", "--prefix", prefix, ...files], {
      cwd: prefix,
      timeoutMs: 10 * MINUTE,
    });
    checkInstalled(prefix);
    say(`installed into ${prefix} (${seconds()})`);

    const pylon = path.join(prefix, "node_modules", ".bin", "pylon");
    const env = userEnv(home);
    const version = (
      await run("pylon --version", pylon, ["--version"], { cwd: prefix, env, timeoutMs: MINUTE })
    ).trim();
    const expected = manifest(path.join(ROOT, "apps/cli")).version;
    if (version !== expected) {
      throw new StepError(`pylon --version failed: printed "${version}", expected "${expected}"`);
    }
    say(`pylon --version: ${version} (${seconds()})`);

    const demo = await run("pylon demo", pylon, ["demo"], { cwd: prefix, env, timeoutMs: 5 * MINUTE });
    const last = demo.trimEnd().split("\n").at(-1);
    if (last !== "demo: OK") {
      const tail = demo.trimEnd().split("\n").slice(-20).join("\n");
      throw new StepError(`pylon demo failed: its last line is "${last}", not "demo: OK"\n${tail}`);
    }
    say(`pylon demo: OK from the installed copy (${seconds()})`);
  } finally {
    if (keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  console.error(`pack-install: ${error instanceof StepError ? error.message : error.stack}`);
  process.exitCode = 1;
}
