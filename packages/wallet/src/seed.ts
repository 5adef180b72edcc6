/**
 * The wallet seed: 64 random bytes in a 0600 file, created on first use. Every output the wallet makes for
 * itself derives from it (NUT-13), so the seed plus the mint is enough to restore funds if the database is
 * lost; the file's permissions are checked on every load because it is worth exactly the wallet's balance.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { WalletError } from "./errors.js";

const SEED_BYTES = 64;
const HEADER = "pylon-wallet-seed-v1";

/** Reads the seed at `path`, creating it (0600, parent 0700) when it does not exist. */
export function loadOrCreateSeed(path: string): Uint8Array {
  try {
    return readSeed(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const seed = new Uint8Array(randomBytes(SEED_BYTES));
  let fd: number;
  try {
    // "wx": never overwrite a seed another process created in the meantime.
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readSeed(path);
    throw err;
  }
  try {
    writeSync(fd, `${HEADER}\n${Buffer.from(seed).toString("hex")}\n`);
  } finally {
    closeSync(fd);
  }
  return seed;
}

function readSeed(path: string): Uint8Array {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new WalletError(
      "invalid-argument",
      `seed file ${path} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
    );
  }
  const lines = readFileSync(path, "utf8").trim().split(/\s+/);
  const hex = lines[0] === HEADER ? lines[1] : lines[0];
  if (!hex || !/^[0-9a-f]+$/i.test(hex) || hex.length !== SEED_BYTES * 2) {
    throw new WalletError(
      "invalid-argument",
      `seed file ${path} does not hold a ${SEED_BYTES}-byte hex seed`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}
