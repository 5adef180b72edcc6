/**
 * The NUT endpoints: path → request schema → ledger call. Everything HTTP-specific lives in http.ts.
 */
import type { z } from "zod";
import { ErrorCode, refuse } from "./errors.js";
import type { Keyset, Keysets } from "./keysets.js";
import type { Ledger } from "./ledger.js";
import type { MintOperations } from "./options.js";
import {
  checkStateRequestSchema,
  meltQuoteRequestSchema,
  meltRequestSchema,
  mintQuoteRequestSchema,
  mintRequestSchema,
  restoreRequestSchema,
  swapRequestSchema,
} from "./schemas.js";

export interface Route {
  method: "GET" | "POST";
  path: RegExp;
  /** What the request counts as in the mint's operation counts. */
  op: Exclude<keyof MintOperations, "refused">;
  handle: (params: string[], body: unknown) => unknown;
}

/** Validates a request body; a mismatch is the wallet's fault, so it gets a 400 naming the first problem. */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    refuse(ErrorCode.BAD_REQUEST, `invalid request: ${where}: ${issue?.message ?? "malformed"}`);
  }
  return result.data;
}

function keysJson(k: Keyset) {
  return { id: k.id, unit: k.unit, active: k.active, input_fee_ppk: k.inputFeePpk, keys: k.publicKeys };
}

const get = (op: Route["op"], path: RegExp, handle: Route["handle"]): Route => ({
  method: "GET",
  op,
  path,
  handle,
});
const post = (op: Route["op"], path: RegExp, handle: Route["handle"]): Route => ({
  method: "POST",
  op,
  path,
  handle,
});

export function routes(ledger: Ledger, keysets: Keysets, info: () => unknown): Route[] {
  const param = (params: string[]) => {
    try {
      return decodeURIComponent(params[0] ?? "");
    } catch {
      refuse(ErrorCode.BAD_REQUEST, "malformed percent-encoding in path");
    }
  };
  return [
    get("info", /^\/v1\/info$/, () => info()),
    // NUT-01/02
    get("keys", /^\/v1\/keys$/, () => ({ keysets: keysets.active().map(keysJson) })),
    get("keys", /^\/v1\/keys\/([^/]+)$/, (p) => {
      const keyset = keysets.get(param(p));
      if (!keyset) refuse(ErrorCode.KEYSET_UNKNOWN, `keyset ${param(p)} is not known`);
      return { keysets: [keysJson(keyset)] };
    }),
    get("keysets", /^\/v1\/keysets$/, () => ({
      keysets: keysets
        .all()
        .map((k) => ({ id: k.id, unit: k.unit, active: k.active, input_fee_ppk: k.inputFeePpk })),
    })),
    // NUT-03
    post("swap", /^\/v1\/swap$/, (_, b) => ledger.swap(parse(swapRequestSchema, b))),
    // NUT-04
    post("mintQuote", /^\/v1\/mint\/quote\/bolt11$/, (_, b) =>
      ledger.createMintQuote(parse(mintQuoteRequestSchema, b)),
    ),
    get("mintQuote", /^\/v1\/mint\/quote\/bolt11\/([^/]+)$/, (p) => ledger.mintQuote(param(p))),
    post("mint", /^\/v1\/mint\/bolt11$/, (_, b) => ledger.mint(parse(mintRequestSchema, b))),
    // NUT-05 (+ NUT-08 change)
    post("meltQuote", /^\/v1\/melt\/quote\/bolt11$/, (_, b) =>
      ledger.createMeltQuote(parse(meltQuoteRequestSchema, b)),
    ),
    get("meltQuote", /^\/v1\/melt\/quote\/bolt11\/([^/]+)$/, (p) => ledger.meltQuote(param(p))),
    post("melt", /^\/v1\/melt\/bolt11$/, (_, b) => ledger.melt(parse(meltRequestSchema, b))),
    // NUT-07
    post("checkState", /^\/v1\/checkstate$/, (_, b) => ledger.checkState(parse(checkStateRequestSchema, b))),
    // NUT-09
    post("restore", /^\/v1\/restore$/, (_, b) => ledger.restore(parse(restoreRequestSchema, b))),
  ];
}
