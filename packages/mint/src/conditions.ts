/**
 * NUT-10 spending conditions on inputs: NUT-11 P2PK and NUT-14 HTLC, verified with cashu-ts's helpers
 * (`verifyP2PKSpendingConditions` / `verifyHTLCSpendingConditions`: main keys, n_sigs, locktime, refund
 * keys). This module adds what the helpers leave to the mint: which inputs are locked, the SIG_ALL rules and
 * the SIG_ALL message.
 */
import {
  Amount,
  getP2PKSigFlag,
  type P2PKVerificationResult,
  type Proof,
  verifyHTLCSpendingConditions,
  verifyP2PKSpendingConditions,
} from "@cashu/cashu-ts";
import { ErrorCode, refuse } from "./errors.js";
import type { BlindedMessage, ProofInput } from "./schemas.js";

interface WellKnownSecret {
  kind: string;
  data: unknown;
  tags: unknown;
}

/** The NUT-10 secret in `secret`, or undefined for a plain (random string) secret. */
function wellKnown(secret: string): WellKnownSecret | undefined {
  if (!secret.startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return undefined; // an arbitrary string that happens to start with "[" is still a valid plain secret
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string") return undefined;
  const body: unknown = parsed[1];
  if (parsed.length !== 2 || typeof body !== "object" || body === null) {
    refuse(ErrorCode.PROOF_INVALID, "malformed NUT-10 secret");
  }
  const { data, tags } = body as { data?: unknown; tags?: unknown };
  return { kind: parsed[0], data, tags: tags ?? [] };
}

/** The witness as an object, whether the wallet sent the NUT-00 JSON string or the object itself. */
function witnessObject(witness: ProofInput["witness"]): Proof["witness"] {
  if (witness === undefined || witness === null) return undefined;
  if (typeof witness !== "string") return witness;
  try {
    const parsed: unknown = JSON.parse(witness);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Proof["witness"];
    }
  } catch {
    // fall through
  }
  refuse(ErrorCode.PROOF_INVALID, "proof witness is not a JSON object");
}

function describeFailure(kind: string, result: P2PKVerificationResult): string {
  const { main, refund, lockState } = result;
  const need = `${main.requiredSigners} valid signature(s) from the lock key(s), got ${main.receivedSigners.length}`;
  if (lockState === "EXPIRED" && refund.pubkeys.length > 0) {
    return `${kind} lock not satisfied: ${need}; or ${refund.requiredSigners} from the refund key(s), got ${refund.receivedSigners.length}`;
  }
  return `${kind} lock not satisfied: ${need}`;
}

function verifyOne(proof: ProofInput, kind: string, message?: string): void {
  if (kind !== "P2PK" && kind !== "HTLC") {
    refuse(ErrorCode.PROOF_INVALID, `unsupported NUT-10 secret kind ${kind}`);
  }
  const candidate: Proof = {
    id: proof.id,
    amount: Amount.from(proof.amount),
    secret: proof.secret,
    C: proof.C,
    witness: witnessObject(proof.witness),
  };
  let result: P2PKVerificationResult;
  try {
    result =
      kind === "P2PK"
        ? verifyP2PKSpendingConditions(candidate, undefined, message)
        : verifyHTLCSpendingConditions(candidate, undefined, message);
  } catch (err) {
    refuse(ErrorCode.PROOF_INVALID, `malformed ${kind} spending condition: ${(err as Error).message}`);
  }
  if (!result.success) refuse(ErrorCode.PROOF_INVALID, describeFailure(kind, result));
}

function sigFlag(secret: string): string {
  try {
    return getP2PKSigFlag(secret);
  } catch (err) {
    refuse(ErrorCode.PROOF_INVALID, `malformed spending condition: ${(err as Error).message}`);
  }
}

/**
 * Refuses (10003) unless every locked input is unlocked by its witness. `quoteId` is set for melts, whose
 * SIG_ALL message ends with the quote id.
 */
export function verifySpendingConditions(
  inputs: ProofInput[],
  outputs: BlindedMessage[],
  quoteId?: string,
): void {
  const secrets = inputs.map((p) => wellKnown(p.secret));
  const sigAll = inputs.some((p, i) => secrets[i] !== undefined && sigFlag(p.secret) === "SIG_ALL");
  if (!sigAll) {
    inputs.forEach((proof, i) => {
      const secret = secrets[i];
      if (secret) verifyOne(proof, secret.kind, undefined);
    });
    return;
  }
  // NUT-11 SIG_ALL: every input carries the same condition, and the first input's witness signs the whole
  // transaction: secret‖C of each input, amount‖B_ of each output, then the quote id for a melt.
  const first = secrets[0];
  const same = (s: WellKnownSecret | undefined) =>
    s !== undefined &&
    first !== undefined &&
    s.kind === first.kind &&
    JSON.stringify(s.data) === JSON.stringify(first.data) &&
    JSON.stringify(s.tags) === JSON.stringify(first.tags);
  if (!secrets.every(same) || first === undefined) {
    refuse(ErrorCode.PROOF_INVALID, "SIG_ALL inputs must all share the same kind, data and tags");
  }
  const message =
    inputs.map((p) => p.secret + p.C).join("") +
    outputs.map((o) => String(o.amount) + o.B_).join("") +
    (quoteId ?? "");
  const head = inputs[0];
  if (head) verifyOne(head, first.kind, message);
}
