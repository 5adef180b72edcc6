#!/usr/bin/env node
// Dead documentation references: fails (exit 1, one `file:line: target` per problem) when a relative Markdown
// link in a tracked .md file, or a mention of a Markdown file in a tracked .md/.ts/.mjs/.js file, names a file
// that does not exist. Links resolve as GitHub renders them (relative to the linking file; a leading `/` from
// the repository root). Mentions in prose and comments resolve relative to the mentioning file's folder or any
// folder above it up to the root (so `docs/protocol.md` works from anywhere, `README.md` from inside its
// package); a mention right after the name of an installed package ("@cashu/cashu-ts's CHANGELOG.md") is looked up
// in that package. URLs are never checked.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
// Tracked files and new ones not ignored yet, so a check before `git add` sees them too.
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\0")
  .filter((file) => /\.(md|ts|mjs|js)$/.test(file) && !file.split("/").includes("node_modules"))
  .filter((file) => existsSync(path.join(root, file)));

// [text](target "title") and [label]: target
const LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g;
// a path ending in .md: not preceded by a path character, `$`, `}` or `*` (templates and globs)
const MENTION = /(?<![\w@./$}*-])((?:\.{1,2}\/)?[\w@-][\w@./-]*\.md)\b/g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const problems = [];

/** `target` without its #anchor or ?query, resolved against `bases`; true when one of them has the file. */
function resolves(target, bases) {
  const bare = decodeURIComponent(target.replace(/[#?].*$/, ""));
  if (bare === "") return true; // a same-page anchor
  if (bare.startsWith("/")) return existsSync(path.join(root, bare));
  return bases.some((base) => existsSync(path.resolve(base, bare)));
}

/** The file's folder and every folder above it, up to the repository root. */
function foldersUp(file) {
  const folders = [];
  for (let dir = path.dirname(path.join(root, file)); ; dir = path.dirname(dir)) {
    folders.push(dir);
    if (dir === root || !dir.startsWith(root)) return folders;
  }
}

/** The installed package named just before `index` in `line` (possessive or not), if any. */
function packageBefore(line, index) {
  const word = /([@\w./-]+?)(?:'s)?[`"']?\s*$/.exec(line.slice(0, index).replace(/[`"']$/, ""))?.[1];
  if (!word) return undefined;
  const dir = path.join(root, "node_modules", word);
  return existsSync(path.join(dir, "package.json")) ? dir : undefined;
}

/** Is `index` inside a URL on this line (the run of non-space characters holding it has a scheme)? */
function inUrl(line, index) {
  const start = line.lastIndexOf(" ", index) + 1;
  return /[a-z][a-z0-9+.-]*:\/\//i.test(line.slice(start, index));
}

for (const file of files) {
  const lines = readFileSync(path.join(root, file), "utf8").split("\n");
  const markdown = file.endsWith(".md");
  const here = [path.dirname(path.join(root, file))];
  const up = foldersUp(file);
  let fence;
  for (const [i, line] of lines.entries()) {
    const reported = new Set();
    const report = (target) => {
      if (!reported.has(target)) problems.push(`${file}:${i + 1}: ${target}`);
      reported.add(target);
    };
    const opening = markdown ? /^\s*(`{3,}|~{3,})/.exec(line)?.[1] : undefined;
    if (opening && (fence === undefined || opening.startsWith(fence))) {
      fence = fence === undefined ? opening : undefined;
      continue;
    }
    const linked = new Set();
    if (markdown && fence === undefined) {
      for (const match of line.matchAll(LINK)) {
        const target = match[1] ?? match[2];
        linked.add(match.index + match[0].indexOf(target));
        if (SCHEME.test(target) || target.startsWith("#")) continue;
        if (!resolves(target, here)) report(target);
      }
    }
    for (const match of line.matchAll(MENTION)) {
      const mention = match[1];
      if (linked.has(match.index) || inUrl(line, match.index)) continue;
      const owner = packageBefore(line, match.index);
      if (!resolves(mention, owner ? [owner, ...up] : up)) report(mention);
    }
  }
}

if (problems.length > 0) {
  console.error(`check-docs: ${problems.length} reference(s) to files that do not exist:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
