/**
 * A provider's trust, 0–1, for selection (swarm's rule: expected finish × price factor ÷ trust). Blocked:
 * 0 (never picked). Otherwise a Laplace estimate of passing a check, (passes + 1) / (passes + 2 + 20 ×
 * strikes), so a stranger starts at 0.5 and a long clean record approaches 1; halved for each buyer the user
 * trusts who labelled it a cheater (weighted below our own evidence: a label alone never blocks).
 */
import type { ProviderRecord } from "./book.js";

export function trustScore(record: ProviderRecord | undefined): number {
  if (!record) return 0.5;
  if (record.blocked) return 0;
  const estimate = (record.checksPassed + 1) / (record.checksPassed + 2 + 20 * record.checksFailed);
  return estimate / 2 ** Math.min(8, record.reports);
}
