/**
 * Strict reading of a NUT-11 P2PK secret. cashu-ts reads secrets leniently (it has to spend anything); a
 * provider deciding whether ecash is really its own must not, so every tag the spec defines is checked
 * here: duplicated tags, bad integers and unknown signature flags make a secret malformed.
 */
import { z } from "zod";

export interface LockConditions {
  /** The lock key (`Secret.data`), lower-case compressed hex. */
  pubkey: string;
  /** Extra lock keys (`pubkeys` tag). */
  pubkeys: string[];
  /** Signatures required on the main path (`n_sigs`, default 1). */
  nSigs: number;
  /** Unix seconds after which the refund path opens; undefined = permanent lock. */
  locktime: number | undefined;
  refundKeys: string[];
  nSigsRefund: number;
  sigflag: "SIG_INPUTS" | "SIG_ALL";
}

export type LockRead =
  | { ok: true; value: LockConditions }
  | { ok: false; code: "not-locked" | "malformed"; reason: string };

const KEY = /^0[23][0-9a-f]{64}$/;
const KNOWN = new Set(["sigflag", "pubkeys", "n_sigs", "locktime", "refund", "n_sigs_refund"]);

const secretSchema = z.tuple([
  z.string(),
  z.object({
    nonce: z.string(),
    data: z.string(),
    tags: z.array(z.array(z.string()).min(1)).optional(),
  }),
]);

export function readLock(secret: string): LockRead {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    return { ok: false, code: "not-locked", reason: "plain (bearer) secret: anyone holding it can spend it" };
  }
  const parsed = secretSchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, code: "malformed", reason: "secret is not a NUT-10 well-known secret" };
  const [kind, body] = parsed.data;
  if (kind !== "P2PK") return { ok: false, code: "not-locked", reason: `secret kind ${kind}, not P2PK` };
  const pubkey = body.data.toLowerCase();
  if (!KEY.test(pubkey))
    return { ok: false, code: "malformed", reason: "lock key is not a compressed public key" };

  const tags = new Map<string, string[]>();
  for (const [key = "", ...values] of body.tags ?? []) {
    if (!KNOWN.has(key)) continue;
    if (tags.has(key)) return { ok: false, code: "malformed", reason: `tag ${key} appears twice` };
    tags.set(key, values);
  }
  const keys = (name: string): string[] | undefined => {
    const list = (tags.get(name) ?? []).map((k) => k.toLowerCase());
    return list.every((k) => KEY.test(k)) ? list : undefined;
  };
  const positive = (name: string): number | undefined | null => {
    const v = tags.get(name)?.[0];
    if (v === undefined) return undefined;
    return /^[1-9]\d{0,8}$/.test(v) ? Number(v) : null;
  };

  const pubkeys = keys("pubkeys");
  const refundKeys = keys("refund");
  if (!pubkeys || !refundKeys)
    return { ok: false, code: "malformed", reason: "a pubkeys/refund entry is not a key" };
  const nSigs = positive("n_sigs");
  const nSigsRefund = positive("n_sigs_refund");
  if (nSigs === null || nSigsRefund === null) {
    return { ok: false, code: "malformed", reason: "n_sigs / n_sigs_refund is not a positive integer" };
  }
  if ((nSigs ?? 1) > 1 + pubkeys.length)
    return { ok: false, code: "malformed", reason: "n_sigs exceeds the lock keys" };
  if (nSigsRefund !== undefined && nSigsRefund > refundKeys.length) {
    return { ok: false, code: "malformed", reason: "n_sigs_refund exceeds the refund keys" };
  }
  const sigflag = tags.get("sigflag")?.[0] ?? "SIG_INPUTS";
  if (sigflag !== "SIG_INPUTS" && sigflag !== "SIG_ALL") {
    return { ok: false, code: "malformed", reason: `unknown sigflag ${sigflag}` };
  }
  // NUT-11: a locktime that is not a valid unix time means a permanent lock.
  const lt = tags.get("locktime")?.[0];
  const locktime = lt !== undefined && /^\d{1,12}$/.test(lt) && Number(lt) > 0 ? Number(lt) : undefined;

  return {
    ok: true,
    value: {
      pubkey,
      pubkeys,
      nSigs: nSigs ?? 1,
      locktime,
      refundKeys,
      nSigsRefund: nSigsRefund ?? 1,
      sigflag,
    },
  };
}
