/**
 * What `pylon trust list` shows of the reputation book: per provider its record, its trust score (the one
 * selection uses) and its block, as JSON for scripts (sats, ISO times) or a two-line block for people.
 * Pure functions of the records: tested without a process.
 */
import { type ProviderRecord, trustScore } from "@pylon/trust";
import * as nip19 from "nostr-tools/nip19";
import { shortNpub } from "./keys.js";

export interface BookEntry {
  pubkey: string;
  npub: string;
  /** 0–1 (the selection weight); 0 when blocked. */
  trust: number;
  jobs: number;
  answered: number;
  timeouts: number;
  refusals: number;
  checksPassed: number;
  checksFailed: number;
  paidSats: number;
  refundedSats: number;
  paidForBadSats: number;
  /** Buyers the user trusts who labelled it a cheater (NIP-32), last read. */
  reports: number;
  firstSeen: string;
  lastSeen: string;
  blocked: { reason: string; by: "caught" | "user"; at: string; evidence: string[] } | null;
}

const sats = (msats: number): number => Math.round(msats) / 1000;

export function bookEntry(record: ProviderRecord): BookEntry {
  const { blocked } = record;
  return {
    pubkey: record.pubkey,
    npub: nip19.npubEncode(record.pubkey),
    trust: Math.round(trustScore(record) * 1000) / 1000,
    jobs: record.jobs,
    answered: record.answered,
    timeouts: record.timeouts,
    refusals: record.refusals,
    checksPassed: record.checksPassed,
    checksFailed: record.checksFailed,
    paidSats: sats(record.paidMsats),
    refundedSats: sats(record.refundedMsats),
    paidForBadSats: sats(record.paidForBadMsats),
    reports: record.reports,
    firstSeen: new Date(record.firstSeen).toISOString(),
    lastSeen: new Date(record.lastSeen).toISOString(),
    blocked: blocked
      ? {
          reason: blocked.reason,
          by: blocked.by,
          at: new Date(blocked.at).toISOString(),
          evidence: blocked.evidence,
        }
      : null,
  };
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "12 d ago". */
export function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** One provider for people: who, trust, work, checks; money and dates; the block if any. */
export function formatBookEntry(record: ProviderRecord, now: number): string {
  const e = bookEntry(record);
  const trust = e.blocked ? "BLOCKED" : `trust ${e.trust.toFixed(2)}`;
  const reports = e.reports > 0 ? `, reported by ${e.reports} buyer(s) you trust` : "";
  const lines = [
    `${shortNpub(e.pubkey)}  ${trust}  ${e.jobs} job(s): ${e.answered} answered, ${e.timeouts} timed out, ` +
      `${e.refusals} refused; checks ${e.checksPassed} passed, ${e.checksFailed} failed${reports}`,
    `    paid ${e.paidSats} sats, refunded ${e.refundedSats}, paid for bad answers ${e.paidForBadSats}; ` +
      `first seen ${ago(record.firstSeen, now)}, last seen ${ago(record.lastSeen, now)}`,
  ];
  if (e.blocked) {
    const by = e.blocked.by === "user" ? "by you" : "caught by checks";
    const evidence = e.blocked.evidence.length > 0 ? ` (evidence: ${e.blocked.evidence.length} job(s))` : "";
    lines.push(`    blocked ${by} ${ago(record.blocked!.at, now)}: ${e.blocked.reason}${evidence}`);
  }
  return lines.join("\n");
}
