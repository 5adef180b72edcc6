/**
 * Which files `rlm_query` may read. The roots the user configured (`pylon mcp --allow <dir>`) are the limit;
 * an MCP client that offers the roots capability can only narrow them (a path must then lie inside one of
 * the client's roots too), never widen them. Every path is resolved with symlinks followed before it is
 * compared, so neither `..` nor a symlink leads out of a root.
 */
import { realpath } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A path the tool will not read; the message names it and the roots that were allowed. */
export class PathRefused extends Error {
  override name = "PathRefused";
}

/** Says how to allow folders when none are: the tool then reads only `text`. */
export const NO_ROOTS =
  "reading files is off: no folder is allowed (start pylon mcp with --allow <dir>, or set mcp.allow in config.json); pass the text instead";

/** `~` and `~/…` as a shell would expand them (models write paths that way); others resolved against `base`. */
export function expandPath(given: string, base = process.cwd()): string {
  if (given === "~") return homedir();
  if (given.startsWith("~/")) return path.join(homedir(), given.slice(2));
  return path.resolve(base, given);
}

/** The roots as real paths (symlinks followed); a root that does not exist is dropped. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => realpath(expandPath(root)).catch(() => undefined)));
  return [...new Set(real.filter((root): root is string => root !== undefined))];
}

/** The client's `file://` roots as real paths; other schemes and missing folders are dropped. */
export async function clientRootPaths(uris: readonly string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const uri of uris) {
    try {
      if (new URL(uri).protocol === "file:") paths.push(fileURLToPath(uri));
    } catch {
      // Not a URL: a client that sends plain paths is taken at its word.
      if (path.isAbsolute(uri)) paths.push(uri);
    }
  }
  return realRoots(paths);
}

export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative === "" ||
    (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative))
  );
}

export interface RootLimits {
  /** The configured roots, real paths. */
  roots: string[];
  /** The client's roots, real paths; undefined when the client offers none. */
  clientRoots?: string[];
}

/**
 * Every path resolved to its real path, or a PathRefused for the first that is missing or outside the
 * limits. All are checked before any is read, so a refused call reads nothing.
 */
export async function confinePaths(given: readonly string[], limits: RootLimits): Promise<string[]> {
  if (given.length === 0) return [];
  if (limits.roots.length === 0) throw new PathRefused(`cannot read ${given[0]}: ${NO_ROOTS}`);
  const resolved: string[] = [];
  for (const item of given) {
    const absolute = expandPath(item);
    const outside = (shown: string) =>
      new PathRefused(
        `${shown} is outside the allowed folders (${limits.roots.join(", ")}); nothing was read`,
      );
    const real = await realpath(absolute).catch((error: NodeJS.ErrnoException) => {
      // Whether a file outside the roots exists is not the client's business either.
      if (!limits.roots.some((root) => isInside(root, absolute))) throw outside(item);
      throw new PathRefused(
        `cannot read ${item}: ${error.code === "ENOENT" ? "no such file or folder" : error.message}`,
      );
    });
    const shown = real === item ? item : `${item} (${real})`;
    if (!limits.roots.some((root) => isInside(root, real))) throw outside(shown);
    if (limits.clientRoots && !limits.clientRoots.some((root) => isInside(root, real)))
      throw new PathRefused(
        `${shown} is outside the client's roots (${limits.clientRoots.join(", ") || "none"}); nothing was read`,
      );
    resolved.push(real);
  }
  return resolved;
}
