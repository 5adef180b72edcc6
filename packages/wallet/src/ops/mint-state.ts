/**
 * Asking the mint what happened: NUT-07 states of inputs and NUT-09 restore of outputs. Recovery and
 * failure handling rely only on these two answers, never on what the crashed process believed.
 */
import type { Wallet as CashuWallet, Proof, ProofState } from "@cashu/cashu-ts";
import { callMint } from "../mint-session.js";
import { proofY } from "../proof-y.js";
import type { OpOutput } from "../store/operations.js";
import type { SignedOutput } from "./record.js";

export type InputState = ProofState["state"];

/** NUT-07 state of each proof, keyed by Y. */
export async function inputStates(
  wallet: CashuWallet,
  mintUrl: string,
  proofs: Proof[],
): Promise<Map<string, InputState>> {
  const out = new Map<string, InputState>();
  const BATCH = 500;
  for (let i = 0; i < proofs.length; i += BATCH) {
    const chunk = proofs.slice(i, i + BATCH);
    const states = await callMint(mintUrl, () =>
      wallet.checkProofsStates(chunk.map((p) => ({ secret: p.secret, id: p.id }))),
    );
    for (const s of states) out.set(s.Y, s.state);
  }
  // A mint that leaves a Y out has not seen it: unspent.
  for (const p of proofs) {
    const y = proofY(p.secret);
    if (!out.has(y)) out.set(y, "UNSPENT");
  }
  return out;
}

/** The recorded outputs the mint has signed (NUT-09), unblinded into proofs. Empty if it signed none. */
export async function restoreOutputs(
  wallet: CashuWallet,
  mintUrl: string,
  outputs: OpOutput[],
): Promise<SignedOutput[]> {
  if (outputs.length === 0) return [];
  const res = await callMint(mintUrl, () =>
    wallet.mint.restore({ outputs: outputs.map((o) => o.data.blindedMessage) }),
  );
  const sigByB = new Map<string, (typeof res.signatures)[number]>();
  res.outputs.forEach((o, i) => {
    const sig = res.signatures[i];
    if (sig) sigByB.set(o.B_, sig);
  });
  const signed: SignedOutput[] = [];
  for (const o of outputs) {
    const sig = sigByB.get(o.B_);
    if (!sig) continue;
    signed.push({ role: o.role, proof: o.data.toProof(sig, wallet.getKeyset(sig.id)) });
  }
  return signed;
}
