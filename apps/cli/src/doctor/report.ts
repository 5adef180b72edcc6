/**
 * `pylon doctor`'s report: sections (a relay, a mint, the model, the data dir) of checks, printed one line
 * per check (✓, or ✗ with its fix) or as JSON. Every probe returns checks of this one shape.
 */

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface Section {
  /** What was checked, e.g. "relay ws://127.0.0.1:7777". */
  subject: string;
  checks: Check[];
  /** Extra structured data for --json (a relay's NIP-11 limitation, a model's GGUF summary). */
  data?: unknown;
}

export interface DoctorReport {
  ok: boolean;
  sections: Section[];
}

export function report(sections: Section[]): DoctorReport {
  return { ok: sections.every((s) => s.checks.every((c) => c.ok)), sections };
}

/** One line per check: `✓ relay ws://… NIP-11 ok (…)` or `✗ … — fix: …`. */
export function renderText(doctor: DoctorReport): string {
  const lines: string[] = [];
  for (const section of doctor.sections) {
    for (const c of section.checks) {
      const line = `${c.ok ? "✓" : "✗"} ${section.subject} ${c.check}: ${c.detail}`;
      lines.push(c.ok || !c.fix ? line : `${line} — fix: ${c.fix}`);
    }
  }
  const failed = doctor.sections.flatMap((s) => s.checks).filter((c) => !c.ok).length;
  lines.push(failed === 0 ? "all checks passed" : `${failed} check${failed === 1 ? "" : "s"} failed`);
  return lines.join("\n");
}
