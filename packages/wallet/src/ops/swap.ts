/**
 * Runs one prepared swap (NUT-03) under the write-ahead rule: record → mint → settle. Whatever goes wrong
 * after the record is settled from the mint's own state (recover.ts), never guessed.
 */
import type { Wallet as CashuWallet, SwapPreview } from "@cashu/cashu-ts";
import { crashPoint } from "../crash-points.js";
import { callMint } from "../mint-session.js";
import type { Operation, OpKind, OutputRole } from "../store/operations.js";
import type { OpContext } from "./context.js";
import { recordOperation, settleOperation } from "./record.js";
import { resolveAfterError } from "./recover.js";

export interface SwapRequest {
  kind: OpKind;
  mintUrl: string;
  /** As asked (send: the amount requested); settling records the face value actually handed out. */
  amount: number;
  detail: Record<string, unknown>;
  preview: SwapPreview;
  /** What the preview's send outputs become (`send`: a bearer token; `lock`: P2PK-locked tokens). */
  sendRole?: Extract<OutputRole, "send" | "lock">;
  /** Keys to sign P2PK-locked inputs with. */
  privkey?: string | string[];
  id?: string;
}

export async function runSwap(ctx: OpContext, wallet: CashuWallet, req: SwapRequest): Promise<Operation> {
  // completeSwap would hand unselected proofs back as "keep"; they are already stored, so leave them out.
  const preview: SwapPreview = { ...req.preview, unselectedProofs: [] };
  const op = recordOperation(ctx, {
    kind: req.kind,
    mintUrl: req.mintUrl,
    amount: req.amount,
    detail: req.detail,
    inputs: preview.inputs,
    outputs: [
      { role: "keep", data: preview.keepOutputs ?? [] },
      { role: req.sendRole ?? "send", data: preview.sendOutputs ?? [] },
    ],
    ...(req.id ? { id: req.id } : {}),
  });
  await crashPoint("after-wal");
  let result: Awaited<ReturnType<CashuWallet["completeSwap"]>>;
  try {
    result = await callMint(req.mintUrl, () => wallet.completeSwap(preview, req.privkey), op.id);
  } catch (err) {
    return resolveAfterError(ctx, op, err);
  }
  await crashPoint("after-mint");
  return settleOperation(ctx, op, [
    ...result.keep.map((proof) => ({ role: "keep" as const, proof })),
    ...result.send.map((proof) => ({ role: req.sendRole ?? ("send" as const), proof })),
  ]);
}
