import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { decode, npubEncode, nsecEncode } from "nostr-tools/nip19";
import { generateSecretKey } from "nostr-tools/pure";
import { bytesToHex, hexToBytes } from "nostr-tools/utils";
import { getPublicKey } from "./sign.js";

export interface KeyFileOptions {
  /** Tighten a group/world-accessible key file to 0600 instead of refusing it. */
  fixMode?: boolean;
  /** Encoding of a newly created file. Existing files may be either. Default "nsec". */
  format?: "nsec" | "hex";
}

export interface LoadedKey {
  secretKey: Uint8Array;
  /** Hex x-only public key. */
  pubkey: string;
  npub: string;
  nsec: string;
  /** True when this call generated the key and wrote the file. */
  created: boolean;
  path: string;
}

/** A key file that cannot be used as is; the message says what to do. */
export class KeyFileError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`key file ${path}: ${message}`);
    this.name = "KeyFileError";
    this.path = path;
  }
}

/**
 * Loads the Nostr secret key stored at `path`, or generates one and stores it there on first use.
 *
 * The file holds one key as NIP-19 `nsec1…` or 64 hex characters. A new file is written with mode 0600
 * (its directory created 0700) through a temporary file that is hard-linked into place, so a reader never
 * sees half a key and two processes starting at once end up sharing one key instead of overwriting each other.
 * An existing file readable or writable by group or others is refused unless `fixMode` is set.
 */
export async function loadOrCreateKey(path: string, options: KeyFileOptions = {}): Promise<LoadedKey> {
  if (typeof path !== "string" || path === "")
    throw new TypeError("key file path must be a non-empty string");
  const existing = await readKeyFile(path, options);
  if (existing) return existing;
  const secretKey = generateSecretKey();
  const written = await writeNewKeyFile(path, encodeSecretKey(secretKey, options.format ?? "nsec"));
  if (!written) {
    // Another process created the file between our read and our write: use its key.
    const raced = await readKeyFile(path, options);
    if (raced) return raced;
    throw new KeyFileError(path, "disappeared while being created");
  }
  return describeKey(path, secretKey, true);
}

async function readKeyFile(path: string, options: KeyFileOptions): Promise<LoadedKey | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    if (errorCode(err) === "ENOENT") return undefined;
    throw new KeyFileError(path, `cannot be read (${describeError(err)})`);
  }
  if (!info.isFile()) throw new KeyFileError(path, "is not a regular file");
  const loosePermissions = info.mode & 0o077;
  if (process.platform !== "win32" && loosePermissions !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    if (!options.fixMode) {
      throw new KeyFileError(
        path,
        `has mode ${mode}, so other users may read the secret key; run \`chmod 600 ${path}\` (or pass fixMode)`,
      );
    }
    await chmod(path, 0o600);
  }
  const content = await readFile(path, "utf8");
  return describeKey(path, parseSecretKey(path, content), false);
}

function parseSecretKey(path: string, content: string): Uint8Array {
  const text = content.trim();
  if (text === "") throw new KeyFileError(path, "is empty; expected an nsec1… key or 64 hex characters");
  let secretKey: Uint8Array;
  if (text.startsWith("nsec1")) {
    try {
      const decoded = decode(text);
      if (decoded.type !== "nsec") throw new Error(`not an nsec (${decoded.type})`);
      secretKey = decoded.data;
    } catch (err) {
      throw new KeyFileError(path, `holds an invalid nsec (${describeError(err)})`);
    }
  } else if (/^[0-9a-fA-F]{64}$/.test(text)) {
    secretKey = hexToBytes(text.toLowerCase());
  } else {
    throw new KeyFileError(path, "is malformed; expected one nsec1… key or 64 hex characters");
  }
  try {
    getPublicKey(secretKey);
  } catch {
    throw new KeyFileError(path, "holds a value that is not a valid secp256k1 secret key");
  }
  return secretKey;
}

function encodeSecretKey(secretKey: Uint8Array, format: "nsec" | "hex"): string {
  return `${format === "hex" ? bytesToHex(secretKey) : nsecEncode(secretKey)}\n`;
}

/** Writes the file only if it does not exist yet. Returns false if someone else created it first. */
async function writeNewKeyFile(path: string, content: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // link() fails with EEXIST instead of replacing, unlike rename(): no process can clobber another's key.
    await link(temporary, path);
    return true;
  } catch (err) {
    const code = errorCode(err);
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS" || code === "EXDEV") {
      // File systems without hard links: rename is still atomic, only not exclusive.
      await rename(temporary, path);
      return true;
    }
    throw new KeyFileError(path, `cannot be created (${describeError(err)})`);
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

function describeKey(path: string, secretKey: Uint8Array, created: boolean): LoadedKey {
  const pubkey = getPublicKey(secretKey);
  return { secretKey, pubkey, npub: npubEncode(pubkey), nsec: nsecEncode(secretKey), created, path };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
