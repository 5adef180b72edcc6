/**
 * Request bodies of the NUT endpoints, as zod schemas. Parsing checks shape only (hex, sizes, integer
 * amounts); meaning (keysets, signatures, balances) is the ledger's job.
 */
import { z } from "zod";
import { MAX_BATCH, MAX_SECRET_LENGTH } from "./options.js";

/** A compressed secp256k1 point in hex: B_, C, Y. */
const point = z.string().regex(/^0[23][0-9a-fA-F]{64}$/, "expected a 33-byte compressed point in hex");
const keysetId = z.string().min(1).max(128);
const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const quoteId = z.string().min(1).max(128);

export const blindedMessageSchema = z.object({ amount, id: keysetId, B_: point });

/** NUT-00 witness: a JSON string, or (leniently) the object itself. */
const witness = z.union([
  z.string().max(16_384),
  z.object({
    signatures: z.array(z.string().max(256)).max(64).optional(),
    preimage: z.string().max(256).optional(),
  }),
]);

export const proofSchema = z.object({
  amount,
  id: keysetId,
  secret: z.string().min(1).max(MAX_SECRET_LENGTH),
  C: point,
  witness: witness.optional().nullable(),
});

const outputs = z.array(blindedMessageSchema).min(1).max(MAX_BATCH);
const inputs = z.array(proofSchema).min(1).max(MAX_BATCH);

export const swapRequestSchema = z.object({ inputs, outputs });

export const mintQuoteRequestSchema = z.object({
  amount: amount.min(1),
  unit: z.string().min(1).max(32),
  description: z.string().max(639).optional().nullable(),
});

export const mintRequestSchema = z.object({ quote: quoteId, outputs });

export const meltQuoteRequestSchema = z.object({
  request: z.string().min(1).max(8192),
  unit: z.string().min(1).max(32),
  options: z.unknown().optional(),
});

export const meltRequestSchema = z.object({
  quote: quoteId,
  inputs,
  /** NUT-08 blank outputs for change; their amounts are ignored. */
  outputs: z.array(blindedMessageSchema).max(MAX_BATCH).optional().nullable(),
});

export const checkStateRequestSchema = z.object({ Ys: z.array(point).min(1).max(MAX_BATCH) });

export const restoreRequestSchema = z.object({ outputs });

export type BlindedMessage = z.infer<typeof blindedMessageSchema>;
export type ProofInput = z.infer<typeof proofSchema>;
export type SwapRequest = z.infer<typeof swapRequestSchema>;
export type MintQuoteRequest = z.infer<typeof mintQuoteRequestSchema>;
export type MintRequest = z.infer<typeof mintRequestSchema>;
export type MeltQuoteRequest = z.infer<typeof meltQuoteRequestSchema>;
export type MeltRequest = z.infer<typeof meltRequestSchema>;
export type CheckStateRequest = z.infer<typeof checkStateRequestSchema>;
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;
