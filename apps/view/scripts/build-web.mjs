#!/usr/bin/env node
/**
 * Bundles the web UI (web/src/main.tsx and its CSS) with esbuild into dist/web/{index.html, app.js, app.css} (and the favicon):
 * one script and one stylesheet from 'self', so the server's CSP (default-src 'self') holds and nothing is
 * fetched from a CDN. Runs after tsc in the package's `build` script.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "web");
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(root, "web", "src", "main.tsx") },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  logLevel: "warning",
});
for (const file of ["index.html", "favicon.svg"]) await copyFile(join(root, "web", file), join(out, file));
