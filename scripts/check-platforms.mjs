#!/usr/bin/env node
// Fails when package-lock.json would not give a machine its platform's native binaries. npm records an optional
// platform package only when the registry it installs from serves that version, so a lockfile written against a
// partial mirror can silently lack, say, node-llama-cpp's Metal build: `npm ci` on a Mac then installs no
// llama.cpp binary at all. For each platform this runs `npm ci --dry-run --os --cpu` on a bare copy of the
// manifests (no node_modules, so npm lists every package it would add) and checks that each binary below is
// added, and that its lockfile entry carries `resolved` and `integrity`. --offline: the lockfile alone decides.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), "..");

/** Per platform, the binary package each platform-split dependency must install there. */
const PLATFORMS = {
  "darwin-arm64": {
    flags: ["--os=darwin", "--cpu=arm64"],
    binaries: [
      "@node-llama-cpp/mac-arm64-metal",
      "@turbo/darwin-arm64",
      "@biomejs/cli-darwin-arm64",
      "@typescript/typescript-darwin-arm64",
      "@esbuild/darwin-arm64",
      "@rolldown/binding-darwin-arm64",
    ],
  },
  "darwin-x64": {
    flags: ["--os=darwin", "--cpu=x64"],
    binaries: [
      "@node-llama-cpp/mac-x64",
      "@turbo/darwin-64",
      "@biomejs/cli-darwin-x64",
      "@typescript/typescript-darwin-x64",
      "@esbuild/darwin-x64",
      "@rolldown/binding-darwin-x64",
    ],
  },
  "win32-x64": {
    flags: ["--os=win32", "--cpu=x64"],
    binaries: [
      "@node-llama-cpp/win-x64",
      "@turbo/windows-64",
      "@biomejs/cli-win32-x64",
      "@typescript/typescript-win32-x64",
      "@esbuild/win32-x64",
      "@rolldown/binding-win32-x64-msvc",
    ],
  },
  "linux-x64": {
    flags: ["--os=linux", "--cpu=x64", "--libc=glibc"],
    binaries: [
      "@node-llama-cpp/linux-x64",
      "@turbo/linux-64",
      "@biomejs/cli-linux-x64",
      "@typescript/typescript-linux-x64",
      "@esbuild/linux-x64",
      "@rolldown/binding-linux-x64-gnu",
    ],
  },
};

/** A bare copy of the root and workspace manifests and the lockfile: what `npm ci` reads. */
function bareCopy(lock) {
  const dir = mkdtempSync(join(tmpdir(), "pylon-platforms-"));
  const workspaces = Object.keys(lock.packages).filter((p) => p !== "" && !p.includes("node_modules"));
  for (const file of ["package.json", "package-lock.json", ".npmrc"]) {
    if (existsSync(join(root, file))) copyFileSync(join(root, file), join(dir, file));
  }
  for (const ws of workspaces) {
    mkdirSync(join(dir, ws), { recursive: true });
    copyFileSync(join(root, ws, "package.json"), join(dir, ws, "package.json"));
  }
  return dir;
}

async function check(dir, lock, platform, { flags, binaries }) {
  const args = ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund", "--offline", ...flags];
  let out;
  try {
    out = (await run("npm", args, { cwd: dir, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const last = `${error.stderr ?? error.message}`.trim().split("\n").pop();
    return [`${platform}: npm ${args.join(" ")} failed: ${last}`];
  }
  const added = new Set([...out.matchAll(/^add (\S+) /gm)].map((m) => m[1]));
  const problems = [];
  for (const name of binaries) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!added.has(name)) problems.push(`${platform}: npm ci would not install ${name}`);
    else if (!entry?.resolved || !entry?.integrity)
      problems.push(`${platform}: package-lock.json has ${name} without resolved/integrity`);
  }
  return problems;
}

const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const dir = bareCopy(lock);
try {
  const results = await Promise.all(
    Object.entries(PLATFORMS).map(([platform, spec]) => check(dir, lock, platform, spec)),
  );
  const problems = results.flat();
  for (const line of problems) console.error(line);
  if (problems.length > 0) {
    console.error('fix: see README.md, Development notes, "Platform binaries"');
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
