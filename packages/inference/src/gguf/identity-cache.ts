/**
 * The model-identity cache: hashing a multi-gigabyte GGUF takes seconds to minutes, so a node computes a
 * file's identity once and finds it again by (absolute path, size, mtime). One JSON file, written atomically
 * (temporary file, then rename) with mode 0600; a cache that cannot be read is ignored and rewritten.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ModelIdentity } from "./identity.js";

const CACHE_VERSION = 1;
/** Entries kept; the oldest go first (a node serves one model, a lab machine a handful). */
const MAX_ENTRIES = 256;

/** What a cached identity is valid for: the file as it was when hashed. */
export interface FileStamp {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

interface CacheEntry extends ModelIdentity {
  mtimeMs: number;
  cachedAt: number;
}

type Entries = Record<string, CacheEntry>;

/** The identity cached for exactly this file state, or undefined. Never throws. */
export async function cachedIdentity(
  cacheFile: string,
  stamp: FileStamp,
): Promise<ModelIdentity | undefined> {
  const entry = (await readEntries(cacheFile))[stamp.path];
  if (!entry || entry.sizeBytes !== stamp.sizeBytes || entry.mtimeMs !== stamp.mtimeMs) return undefined;
  const { digest, sizeBytes, architecture, quantisation } = entry;
  return { digest, sizeBytes, architecture, quantisation };
}

/** Records `identity` for `stamp`, keeping the other entries (read again just before, so little is lost). */
export async function storeIdentity(
  cacheFile: string,
  stamp: FileStamp,
  identity: ModelIdentity,
): Promise<void> {
  const entries = await readEntries(cacheFile);
  entries[stamp.path] = { ...identity, mtimeMs: stamp.mtimeMs, cachedAt: Date.now() };
  const kept = Object.entries(entries)
    .sort(([, a], [, b]) => b.cachedAt - a.cachedAt)
    .slice(0, MAX_ENTRIES);
  const json = `${JSON.stringify({ version: CACHE_VERSION, entries: Object.fromEntries(kept) }, null, 2)}\n`;
  await mkdir(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
  const temporary = `${cacheFile}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, json, { mode: 0o600 });
    await rename(temporary, cacheFile);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The valid entries of the cache; a missing, corrupt or foreign-version file reads as empty. */
async function readEntries(cacheFile: string): Promise<Entries> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cacheFile, "utf8"));
  } catch {
    return {};
  }
  const { version, entries } = (json ?? {}) as { version?: unknown; entries?: unknown };
  if (version !== CACHE_VERSION || typeof entries !== "object" || entries === null) return {};
  const out: Entries = {};
  for (const [file, entry] of Object.entries(entries as Record<string, unknown>))
    if (isEntry(entry)) out[file] = entry;
  return out;
}

function isEntry(value: unknown): value is CacheEntry {
  const entry = value as Partial<CacheEntry> | null;
  return (
    typeof entry === "object" &&
    entry !== null &&
    typeof entry.digest === "string" &&
    /^sha256:[0-9a-f]{64}$/.test(entry.digest) &&
    Number.isSafeInteger(entry.sizeBytes) &&
    typeof entry.mtimeMs === "number" &&
    typeof entry.cachedAt === "number" &&
    typeof entry.architecture === "string" &&
    typeof entry.quantisation === "string"
  );
}
