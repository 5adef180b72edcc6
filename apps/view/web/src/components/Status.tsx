/** A run's or sub-call's status as a coloured badge: colour plus text, never colour alone. */
import type { RunStatus } from "../../../src/api.js";

const tone: Record<RunStatus, string> = {
  running: "info",
  final: "ok",
  "max-iterations": "warn",
  budget: "warn",
  timeout: "warn",
  aborted: "bad",
  error: "bad",
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return <span class={`badge ${tone[status]}`}>{status}</span>;
}

export function OkBadge({ ok }: { ok: boolean }) {
  return <span class={`badge ${ok ? "ok" : "bad"}`}>{ok ? "ok" : "failed"}</span>;
}
