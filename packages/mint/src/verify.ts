/**
 * Checks shared by swap, mint and melt: inputs (NUT-00/02/03/07/10/11) and outputs (NUT-00/02/08),
 * cheapest refusals first, then the curve math. Nothing here writes; the ledger writes after all checks pass.
 */
import { inputFee, sum } from "./amounts.js";
import { verifySpendingConditions } from "./conditions.js";
import { ErrorCode, refuse } from "./errors.js";
import type { Keyset, Keysets } from "./keysets.js";
import type { BlindedMessage, ProofInput } from "./schemas.js";
import { isValidProofSignature, proofY } from "./signing.js";
import type { SpentProof, Store } from "./store.js";

export interface VerifiedInputs {
  unit: string;
  total: number;
  fee: number;
  proofs: SpentProof[];
}

export interface CheckedOutputs {
  unit: string | undefined;
  total: number;
  /** Each output with the keyset that will sign it, in request order. */
  entries: { output: BlindedMessage; keyset: Keyset }[];
}

function witnessString(witness: ProofInput["witness"]): string | null {
  if (witness === undefined || witness === null) return null;
  return typeof witness === "string" ? witness : JSON.stringify(witness);
}

/**
 * Refuses unless every input is a distinct, unspent, validly signed proof of one unit whose spending
 * conditions are met. `outputs`/`quoteId` complete the SIG_ALL message.
 */
export function verifyInputs(
  store: Store,
  keysets: Keysets,
  inputs: ProofInput[],
  outputs: BlindedMessage[],
  quoteId?: string,
): VerifiedInputs {
  if (new Set(inputs.map((p) => p.secret)).size !== inputs.length) {
    refuse(ErrorCode.DUPLICATE_INPUTS, "duplicate inputs");
  }
  const owned = inputs.map((p) => {
    const keyset = keysets.get(p.id);
    if (!keyset) refuse(ErrorCode.KEYSET_UNKNOWN, `keyset ${p.id} is not known`);
    if (!keyset.privateKey(p.amount)) {
      refuse(ErrorCode.PROOF_INVALID, `amount ${p.amount} is not a denomination of keyset ${p.id}`);
    }
    return { proof: p, keyset };
  });
  const units = new Set(owned.map((o) => o.keyset.unit));
  if (units.size !== 1) refuse(ErrorCode.MULTIPLE_UNITS, "inputs of more than one unit");
  const proofs: SpentProof[] = owned.map(({ proof }) => ({
    y: proofY(proof.secret),
    keysetId: proof.id,
    amount: proof.amount,
    secret: proof.secret,
    C: proof.C,
    witness: witnessString(proof.witness),
  }));
  for (const p of proofs) if (store.spent(p.y)) refuse(ErrorCode.PROOF_ALREADY_SPENT, "proofs already spent");
  for (const { proof, keyset } of owned) {
    if (!isValidProofSignature(keyset, proof.amount, proof.secret, proof.C)) {
      refuse(
        ErrorCode.PROOF_INVALID,
        "proof could not be verified: C is not the mint's signature on the secret",
      );
    }
  }
  verifySpendingConditions(inputs, outputs, quoteId);
  return {
    unit: [...units][0] as string,
    total: sum(inputs.map((p) => p.amount)),
    fee: inputFee(owned.map((o) => o.keyset.inputFeePpk)),
    proofs,
  };
}

/**
 * Refuses unless the outputs are distinct, never signed before, and addressed to active keysets of one unit.
 * Blank outputs (NUT-08 change) carry no meaningful amount, so theirs is not checked.
 */
export function checkOutputs(
  store: Store,
  keysets: Keysets,
  outputs: BlindedMessage[],
  opts: { blank?: boolean } = {},
): CheckedOutputs {
  if (new Set(outputs.map((o) => o.B_.toLowerCase())).size !== outputs.length) {
    refuse(ErrorCode.DUPLICATE_OUTPUTS, "duplicate outputs");
  }
  const entries = outputs.map((output) => {
    const keyset = keysets.get(output.id);
    if (!keyset) refuse(ErrorCode.KEYSET_UNKNOWN, `keyset ${output.id} is not known`);
    if (!keyset.active) refuse(ErrorCode.KEYSET_INACTIVE, `keyset ${output.id} is inactive and cannot sign`);
    if (!opts.blank && !keyset.privateKey(output.amount)) {
      refuse(
        ErrorCode.AMOUNT_OUT_OF_RANGE,
        `amount ${output.amount} is not a denomination of keyset ${output.id}`,
      );
    }
    return { output, keyset };
  });
  const units = new Set(entries.map((e) => e.keyset.unit));
  if (units.size > 1) refuse(ErrorCode.MULTIPLE_UNITS, "outputs of more than one unit");
  for (const o of outputs) {
    if (store.signature(o.B_.toLowerCase())) {
      refuse(ErrorCode.OUTPUT_ALREADY_SIGNED, "blinded message of output already signed");
    }
  }
  return { unit: [...units][0], total: opts.blank ? 0 : sum(outputs.map((o) => o.amount)), entries };
}
