#!/usr/bin/env node
// API reports: the public surface of every workspace package, one API Extractor report per entry of its
// `exports` map that points at built declarations: `packages/inference/api/inference.api.md` for ".",
// `packages/inference/api/inference-scripted.api.md` for "./scripted". Packages without such exports (the
// CLI, source-only test helpers) have none.
//   node scripts/api-report.mjs           rewrites the reports from the built dist/*.d.ts (run a build first)
//   node scripts/api-report.mjs --check   fails when a built surface differs from its committed report
// Quiet on success. One TypeScript program serves every entry point (API Extractor's CompilerState), which
// keeps the whole run to seconds.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CompilerState, Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const root = path.resolve(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const UPDATE = "npm run api";

/** Workspace package folders, from the root package.json's `workspaces` globs (`dir/*` or a plain folder). */
function workspaceFolders() {
  const { workspaces } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [path.join(root, pattern)];
    const parent = path.join(root, pattern.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(parent, entry.name));
  });
}

/** Every report to make: one per `exports` entry whose types are a built .d.ts. */
function entryPoints() {
  const entries = [];
  for (const folder of workspaceFolders()) {
    const manifest = path.join(folder, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    const exportsMap = typeof pkg.exports === "string" ? { ".": pkg.exports } : (pkg.exports ?? {});
    for (const [subpath, target] of Object.entries(exportsMap)) {
      const types = typeof target === "string" ? target : target?.types;
      if (typeof types !== "string" || !types.endsWith(".d.ts") || !types.includes("dist/")) continue;
      const unscoped = pkg.name.replace(/^@[^/]+\//, "");
      const suffix = subpath === "." ? "" : `-${subpath.replace(/^\.\//, "").replaceAll("/", "-")}`;
      entries.push({
        folder,
        manifest,
        name: pkg.name,
        subpath,
        dts: path.join(folder, types),
        reportName: `${unscoped}${suffix}`,
      });
    }
  }
  return entries;
}

function configFor(entry, tempFolder) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.folder,
      newlineKind: "lf",
      mainEntryPointFilePath: entry.dts,
      // The declarations were emitted by TypeScript 7; API Extractor reads them with its own compiler.
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "ES2023",
            lib: ["ES2023"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            skipLibCheck: true,
            types: ["node"],
          },
          files: [entry.dts],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportName,
        reportFolder: path.join(entry.folder, "api"),
        reportTempFolder: tempFolder,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Our comments are not TSDoc; release tags (@public, @beta) are not used.
        tsdocMessageReporting: { default: { logLevel: "none" } },
        extractorMessageReporting: {
          default: { logLevel: "none", addToApiReportFile: true },
          "ae-missing-release-tag": { logLevel: "none", addToApiReportFile: false },
          "ae-undocumented": { logLevel: "none", addToApiReportFile: false },
        },
        compilerMessageReporting: { default: { logLevel: "error" } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: entry.manifest,
  });
}

const entries = entryPoints();
const missing = entries.filter((entry) => !existsSync(entry.dts));
if (missing.length > 0) {
  for (const entry of missing) console.error(`api-report: ${path.relative(root, entry.dts)} is not built`);
  console.error("api-report: build first (npx turbo run build), then run this again");
  process.exit(1);
}

const tempFolder = mkdtempSync(path.join(tmpdir(), "pylon-api-"));
const failures = [];
try {
  const configs = entries.map((entry) => configFor(entry, tempFolder));
  const compilerState =
    configs.length > 0
      ? CompilerState.create(configs[0], { additionalEntryPoints: entries.map((entry) => entry.dts) })
      : undefined;
  for (const [i, entry] of entries.entries()) {
    const report = path.relative(root, path.join(entry.folder, "api", `${entry.reportName}.api.md`));
    const what = `${entry.name}${entry.subpath === "." ? "" : `/${entry.subpath.slice(2)}`}`;
    const problems = [];
    mkdirSync(path.dirname(path.join(root, report)), { recursive: true });
    const result = Extractor.invoke(configs[i], {
      localBuild: !check,
      compilerState,
      messageCallback: (message) => {
        // "console-…" messages narrate the report's update, which the result says too.
        const noise = message.messageId.startsWith("console-");
        if (!noise && (message.logLevel === "error" || message.logLevel === "warning"))
          problems.push(message.formatMessageWithLocation(root));
        message.handled = true;
      },
    });
    if (!result.succeeded && !result.apiReportChanged && problems.length === 0)
      problems.push("API Extractor did not succeed");
    if (check && result.apiReportChanged)
      problems.unshift(
        `${report} differs from the built surface of ${what}; run \`${UPDATE}\` and commit it`,
      );
    if (problems.length > 0) failures.push(`${what}:\n    ${problems.join("\n    ")}`);
  }

  // Reports whose entry point is gone (a removed subpath export) are stale.
  const expected = new Set(
    entries.map((entry) => path.join(entry.folder, "api", `${entry.reportName}.api.md`)),
  );
  for (const folder of workspaceFolders()) {
    const apiFolder = path.join(folder, "api");
    if (!existsSync(apiFolder)) continue;
    for (const file of readdirSync(apiFolder).filter((name) => name.endsWith(".api.md"))) {
      const full = path.join(apiFolder, file);
      if (expected.has(full)) continue;
      if (check)
        failures.push(
          `${path.relative(root, full)} reports an entry point no package exports; run \`${UPDATE}\``,
        );
      else rmSync(full);
    }
  }
} finally {
  rmSync(tempFolder, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`api-report: ${failures.join("\n")}`);
  process.exit(1);
}
