/**
 * One loaded cashu-ts `Wallet` per mint, sharing the SQLite counter source and the seed, so every output the
 * wallet makes for itself is deterministic (NUT-13) and restorable. Also the one place mint errors become
 * WalletErrors with a clear message.
 */
import { Wallet as CashuWallet, type CounterSource, normalizeMintUrl } from "@cashu/cashu-ts";
import { errorMessage, WalletError } from "./errors.js";

export class MintSessions {
  private readonly loaded = new Map<string, Promise<CashuWallet>>();

  constructor(
    private readonly seed: Uint8Array,
    private readonly counters: CounterSource,
    private readonly unit: string,
  ) {}

  /** The loaded wallet for `mintUrl` (info, keysets and keys fetched once per process). */
  get(mintUrl: string): Promise<CashuWallet> {
    let w = this.loaded.get(mintUrl);
    if (!w) {
      w = (async () => {
        const wallet = new CashuWallet(mintUrl, {
          unit: this.unit,
          bip39seed: this.seed,
          counterSource: this.counters,
          secretsPolicy: "deterministic",
        });
        await callMint(mintUrl, () => wallet.loadMint());
        return wallet;
      })();
      // A failed load (mint down) must not poison later attempts.
      w.catch(() => this.loaded.delete(mintUrl));
      this.loaded.set(mintUrl, w);
    }
    return w;
  }
}

/** Canonical form of a mint URL (the key of every table), or an invalid-argument error. */
export function canonicalMintUrl(url: string): string {
  try {
    return normalizeMintUrl(url);
  } catch (err) {
    throw new WalletError("invalid-argument", `"${url}" is not a mint URL: ${errorMessage(err)}`);
  }
}

/** True for errors that say nothing about whether the mint acted (connection refused, timeout, 5xx). */
export function isTransportError(err: unknown): boolean {
  if (err instanceof WalletError) return err.code === "mint-unreachable";
  if (!(err instanceof Error)) return false;
  if (err.name === "NetworkError" || err.name === "CallerAbortError") return true;
  const status = (err as { status?: unknown }).status;
  return err.name === "HttpResponseError" && typeof status === "number" && status >= 500;
}

/**
 * True when the mint may hold a request it did not answer: the wallet stopped waiting (a timeout or an
 * abort) or the mint answered 5xx. It may have acted on it, or may still. A refused or closed connection
 * is not such a case: the mint holds nothing it could still act on, and its state shows what it did.
 */
export function mayHaveReachedMint(err: unknown): boolean {
  for (let cause: unknown = err, depth = 0; cause instanceof Error && depth < 8; depth++) {
    if (["AbortError", "TimeoutError", "CallerAbortError"].includes(cause.name)) return true;
    const status = (cause as { status?: unknown }).status;
    if (cause.name === "HttpResponseError" && typeof status === "number" && status >= 500) return true;
    cause = cause.cause;
  }
  return false;
}

/** Runs a mint call, turning transport failures into `mint-unreachable` and refusals into `mint-error`. */
export async function callMint<T>(mintUrl: string, fn: () => Promise<T>, opId?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WalletError) throw err;
    if (isTransportError(err)) {
      throw new WalletError(
        "mint-unreachable",
        `mint ${mintUrl} is unreachable: ${errorMessage(err)}`,
        opId,
        {
          cause: err,
        },
      );
    }
    throw new WalletError("mint-error", `mint ${mintUrl} refused: ${errorMessage(err)}`, opId, {
      cause: err,
    });
  }
}
