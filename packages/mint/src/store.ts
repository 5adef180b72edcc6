/**
 * Every SQL statement of the mint, prepared once. Callers group writes with `transaction` so an operation
 * (spend inputs + record outputs + settle quote) lands whole or not at all.
 */
import type { Db } from "./db.js";
import type { MintStats } from "./options.js";
import type { BlindSignatureJson } from "./signing.js";

export type MintQuoteState = "UNPAID" | "PAID" | "ISSUED";
export type MeltQuoteState = "UNPAID" | "PENDING" | "PAID";

export interface MintQuoteRow {
  id: string;
  unit: string;
  amount: number;
  request: string;
  state: MintQuoteState;
  expiry: number;
}

export interface MeltQuoteRow {
  id: string;
  unit: string;
  request: string;
  amount: number;
  fee_reserve: number;
  state: MeltQuoteState;
  expiry: number;
  preimage: string | null;
  change: string | null;
}

export interface SpentProof {
  y: string;
  keysetId: string;
  amount: number;
  secret: string;
  C: string;
  witness: string | null;
}

export interface SignatureRow {
  b_: string;
  keyset_id: string;
  amount: number;
  c_: string;
  dleq_e: string;
  dleq_s: string;
}

export class Store {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insertMintQuote: db.prepare(
        `INSERT INTO mint_quotes (id, unit, amount, request, state, expiry, created_at)
         VALUES (@id, @unit, @amount, @request, @state, @expiry, @now)`,
      ),
      getMintQuote: db.prepare(
        "SELECT id, unit, amount, request, state, expiry FROM mint_quotes WHERE id = ?",
      ),
      payMintQuote: db.prepare("UPDATE mint_quotes SET state = 'PAID' WHERE id = ? AND state = 'UNPAID'"),
      mintQuoteByRequest: db.prepare(
        "SELECT id, unit, amount, request, state, expiry FROM mint_quotes WHERE request = ? LIMIT 1",
      ),
      issueMintQuote: db.prepare(
        "UPDATE mint_quotes SET state = 'ISSUED', issued_at = ? WHERE id = ? AND state = 'PAID'",
      ),
      insertMeltQuote: db.prepare(
        `INSERT INTO melt_quotes (id, unit, request, amount, fee_reserve, state, expiry, created_at)
         VALUES (@id, @unit, @request, @amount, @fee_reserve, 'UNPAID', @expiry, @now)`,
      ),
      getMeltQuote: db.prepare(
        `SELECT id, unit, request, amount, fee_reserve, state, expiry, preimage, change
         FROM melt_quotes WHERE id = ?`,
      ),
      invoicePaid: db.prepare("SELECT 1 FROM melt_quotes WHERE request = ? AND state = 'PAID' LIMIT 1"),
      payMeltQuote: db.prepare(
        `UPDATE melt_quotes SET state = 'PAID', preimage = @preimage, fee_paid = @fee_paid,
           input_fee = @input_fee, change = @change, paid_at = @now
         WHERE id = @id AND state = 'UNPAID'`,
      ),
      getSpent: db.prepare("SELECT witness FROM spent_proofs WHERE y = ?"),
      insertSpent: db.prepare(
        `INSERT INTO spent_proofs (y, keyset_id, amount, secret, c, witness, spent_at, spent_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getSignature: db.prepare(
        "SELECT b_, keyset_id, amount, c_, dleq_e, dleq_s FROM signatures WHERE b_ = ?",
      ),
      insertSignature: db.prepare(
        `INSERT INTO signatures (b_, keyset_id, amount, c_, dleq_e, dleq_s, created_at, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      addInputFee: db.prepare(
        `INSERT INTO input_fees (unit, amount) VALUES (?, ?)
         ON CONFLICT (unit) DO UPDATE SET amount = amount + excluded.amount`,
      ),
      stats: db.prepare(`SELECT
          (SELECT COALESCE(SUM(amount), 0) FROM mint_quotes WHERE unit = @unit AND state = 'ISSUED') AS minted,
          (SELECT COALESCE(SUM(amount), 0) FROM melt_quotes WHERE unit = @unit AND state = 'PAID') AS melted,
          (SELECT COALESCE(SUM(fee_paid), 0) FROM melt_quotes WHERE unit = @unit AND state = 'PAID')
            AS lightningFees,
          (SELECT COALESCE(SUM(amount), 0) FROM input_fees WHERE unit = @unit) AS inputFees,
          (SELECT COALESCE(SUM(s.amount), 0) FROM signatures s JOIN keysets k ON k.id = s.keyset_id
            WHERE k.unit = @unit) AS signed,
          (SELECT COALESCE(SUM(p.amount), 0) FROM spent_proofs p JOIN keysets k ON k.id = p.keyset_id
            WHERE k.unit = @unit) AS redeemed,
          (SELECT COUNT(*) FROM spent_proofs p JOIN keysets k ON k.id = p.keyset_id
            WHERE k.unit = @unit) AS spentProofs,
          (SELECT COUNT(*) FROM signatures s JOIN keysets k ON k.id = s.keyset_id
            WHERE k.unit = @unit) AS blindSignatures`),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertMintQuote(q: MintQuoteRow, now: number): void {
    this.s.insertMintQuote.run({ ...q, now });
  }

  mintQuote(id: string): MintQuoteRow | undefined {
    return this.s.getMintQuote.get(id) as MintQuoteRow | undefined;
  }

  /** The mint quote whose invoice is `request`, if this mint issued it. */
  mintQuoteByRequest(request: string): MintQuoteRow | undefined {
    return this.s.mintQuoteByRequest.get(request) as MintQuoteRow | undefined;
  }

  /** UNPAID → PAID; false when the quote was not unpaid. */
  payMintQuote(id: string): boolean {
    return this.s.payMintQuote.run(id).changes === 1;
  }

  /** PAID → ISSUED; false when the quote was not in PAID (already issued, or never paid). */
  issueMintQuote(id: string, now: number): boolean {
    return this.s.issueMintQuote.run(now, id).changes === 1;
  }

  insertMeltQuote(q: Omit<MeltQuoteRow, "state" | "preimage" | "change">, now: number): void {
    this.s.insertMeltQuote.run({ ...q, now });
  }

  meltQuote(id: string): MeltQuoteRow | undefined {
    return this.s.getMeltQuote.get(id) as MeltQuoteRow | undefined;
  }

  invoicePaid(request: string): boolean {
    return this.s.invoicePaid.get(request) !== undefined;
  }

  /** UNPAID → PAID with the payment's outcome; false when the quote was not unpaid. */
  payMeltQuote(
    id: string,
    outcome: { preimage: string; feePaid: number; inputFee: number; change: BlindSignatureJson[] },
    now: number,
  ): boolean {
    return (
      this.s.payMeltQuote.run({
        id,
        preimage: outcome.preimage,
        fee_paid: outcome.feePaid,
        input_fee: outcome.inputFee,
        change: JSON.stringify(outcome.change),
        now,
      }).changes === 1
    );
  }

  /** The witness a proof was spent with (null if none), or undefined when Y is unspent. */
  spent(y: string): { witness: string | null } | undefined {
    return this.s.getSpent.get(y) as { witness: string | null } | undefined;
  }

  /** Records spent proofs; a Y already present violates the primary key and aborts the transaction. */
  insertSpent(proofs: SpentProof[], spentBy: string, now: number): void {
    for (const p of proofs) {
      this.s.insertSpent.run(p.y, p.keysetId, p.amount, p.secret, p.C, p.witness, now, spentBy);
    }
  }

  signature(B_: string): SignatureRow | undefined {
    return this.s.getSignature.get(B_) as SignatureRow | undefined;
  }

  insertSignatures(entries: { B_: string; sig: BlindSignatureJson }[], source: string, now: number): void {
    for (const { B_, sig } of entries) {
      this.s.insertSignature.run(B_, sig.id, sig.amount, sig.C_, sig.dleq.e, sig.dleq.s, now, source);
    }
  }

  addInputFee(unit: string, amount: number): void {
    if (amount > 0) this.s.addInputFee.run(unit, amount);
  }

  /** The unit's accounting from SQLite (operation counts are the process's, added by the caller). */
  stats(unit: string): Omit<MintStats, "operations"> {
    const row = this.s.stats.get({ unit }) as Omit<MintStats, "unit" | "outstanding" | "operations">;
    return { unit, ...row, outstanding: row.signed - row.redeemed };
  }
}
