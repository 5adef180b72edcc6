/**
 * `pylon doctor`'s mint checks: NUT-06 info, the NUTs Pylon's payments use, the active keysets and their
 * input fees. Read-only GETs with a bounded wait; nothing is minted, swapped or stored.
 */
import { canonicalMintUrl } from "./mint-session.js";

/** One line of the report: what was checked, whether it passed, and what to do when it did not. */
export interface MintCheck {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface MintProbe {
  mint: string;
  checks: MintCheck[];
}

/**
 * The NUTs Pylon's wallet relies on: mint (4) and melt (5) over bolt11, token state checks (7), P2PK locks
 * (11) and DLEQ proofs (12). 17 (WebSocket subscriptions) is used where the mint offers it, else polling.
 */
export const REQUIRED_NUTS = [4, 5, 7, 11, 12] as const;
const NUT_PURPOSE: Record<number, string> = {
  4: "minting",
  5: "melting",
  7: "token state checks",
  11: "P2PK-locked payments",
  12: "DLEQ proofs",
};

/** Probes one mint; never throws, every failure is a ✗ line with its fix. */
export async function probeMint(url: string, options: { timeoutMs?: number } = {}): Promise<MintProbe> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let mint: string;
  try {
    mint = canonicalMintUrl(url);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { mint: url, checks: [{ check: "url", ok: false, detail, fix: "pass an http(s) mint URL" }] };
  }
  const probe: MintProbe = { mint, checks: [] };
  const info = await getJson(`${mint}/v1/info`, timeoutMs);
  if (!info.ok) {
    probe.checks.push({
      check: "info",
      ok: false,
      detail: `GET /v1/info failed (${info.reason})`,
      fix: "start the mint or fix the URL (`pylon mint` runs a local testnet one)",
    });
    return probe;
  }
  const doc = info.body;
  probe.checks.push({
    check: "info",
    ok: true,
    detail: `ok (${[doc.name, doc.version].filter((s) => typeof s === "string").join(", ") || "no name"})`,
  });
  const nuts = isRecord(doc.nuts) ? doc.nuts : {};
  const missing = REQUIRED_NUTS.filter((n) => !nutOffered(nuts[String(n)]));
  probe.checks.push(
    missing.length === 0
      ? { check: "NUTs", ok: true, detail: `${REQUIRED_NUTS.join(", ")} supported` }
      : {
          check: "NUTs",
          ok: false,
          detail: `missing ${missing.map((n) => `NUT-${String(n).padStart(2, "0")} (${NUT_PURPOSE[n]})`).join(", ")}`,
          fix: `use a mint that supports NUTs ${REQUIRED_NUTS.join(", ")}`,
        },
  );
  probe.checks.push({
    check: "NUT-17",
    ok: true,
    detail: nutOffered(nuts["17"]) ? "WebSocket subscriptions offered" : "not offered (Pylon polls instead)",
  });
  probe.checks.push(await keysetCheck(mint, timeoutMs));
  return probe;
}

/** The active sat keysets and their NUT-02 input fees. */
async function keysetCheck(mint: string, timeoutMs: number): Promise<MintCheck> {
  const keysets = await getJson(`${mint}/v1/keysets`, timeoutMs);
  if (!keysets.ok || !Array.isArray(keysets.body.keysets)) {
    return {
      check: "keysets",
      ok: false,
      detail: `GET /v1/keysets failed (${keysets.ok ? "no keysets list" : keysets.reason})`,
      fix: "the mint is not a NUT-02 Cashu mint; use another",
    };
  }
  const active = keysets.body.keysets.filter(isRecord).filter((k) => k.active === true && k.unit === "sat");
  if (active.length === 0) {
    return { check: "keysets", ok: false, detail: "no active sat keyset", fix: "use a mint with a sat unit" };
  }
  const fees = active.map((k) => `${String(k.id).slice(0, 16)} fee ${Number(k.input_fee_ppk ?? 0)} ppk`);
  return { check: "keysets", ok: true, detail: `${active.length} active sat (${fees.join("; ")})` };
}

/** A NUT entry counts when present and not disabled (4/5) or `supported` (the rest). */
function nutOffered(entry: unknown): boolean {
  if (!isRecord(entry)) return false;
  if ("disabled" in entry) return entry.disabled !== true;
  if ("supported" in entry) return entry.supported === true || Array.isArray(entry.supported);
  return true;
}

type JsonResult = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

async function getJson(url: string, timeoutMs: number): Promise<JsonResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` };
    const body: unknown = await response.json();
    return isRecord(body) ? { ok: true, body } : { ok: false, reason: "not a JSON object" };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
    return { ok: false, reason: cause ?? (err instanceof Error ? err.message : String(err)) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
