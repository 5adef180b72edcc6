/**
 * The bearer token: kept in a file only its owner can read (created on first run, like an ssh key), compared
 * in constant time so response timing never reveals how much of a guess was right.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile, stat } from "node:fs/promises";
import path from "node:path";

/**
 * The token in `file`, created ("pylon-" + 32 random bytes, hex) with mode 0600 when the file does not exist.
 * Refuses a file that group or others can read or write, as ssh refuses such a key: the token may be leaked.
 */
export async function loadOrCreateToken(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = `pylon-${randomBytes(32).toString("hex")}`;
  try {
    // "wx": only the first of two racing starts creates it; the other reads what the first wrote.
    const handle = await open(file, "wx", 0o600);
    try {
      await handle.writeFile(`${token}\n`);
      await handle.chmod(0o600); // the umask may have narrowed it further, never widened: pin it exactly
    } finally {
      await handle.close();
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readToken(file);
}

async function readToken(file: string): Promise<string> {
  const info = await stat(file);
  if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new Error(
      `token file ${file} has mode ${mode}: other users can read it. Run \`chmod 600 ${file}\` (or delete it ` +
        "to make a new token) and start again.",
    );
  }
  const token = (await readFile(file, "utf8")).trim();
  if (token === "" || /\s/.test(token)) {
    throw new Error(`token file ${file} must hold one token on one line (delete it to make a new one)`);
  }
  return token;
}

/** A check of `Authorization: Bearer <token>` headers against `token`, in constant time. */
export function bearerCheck(token: string): (header: string | undefined) => "ok" | "missing" | "wrong" {
  // Hashing both sides first makes the lengths equal, so timingSafeEqual never throws or leaks the length.
  const expected = createHash("sha256").update(token).digest();
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match) return "missing";
    const given = createHash("sha256").update(match[1]!).digest();
    return timingSafeEqual(given, expected) ? "ok" : "wrong";
  };
}
