// Markdown helpers for the generated benchmark doc.

/** A number with thousands separators and fixed decimals. */
export function num(value, digits = 0) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Numbers right, words left: a column is numeric when each cell starts with a digit and has few letters. */
const numeric = (rows, c) =>
  rows.every((row) => {
    const cell = String(row[c]);
    return cell === "" || (/^\**[\d—]/.test(cell) && (cell.match(/[a-z]/gi) ?? []).length < 12);
  });

/** A markdown table; `align` per column: "l" or "r" (default: by content). */
export function table(headers, rows, align = headers.map((_, c) => (numeric(rows, c) ? "r" : "l"))) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell).replaceAll("|", "\\|")));
  const widths = headers.map((_, c) => Math.max(3, ...cells.map((row) => row[c].length)));
  const line = (row) =>
    `| ${row.map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/** Collects every target of a run: each section lists its own, the summary lists them all. */
export class Targets {
  /** @type {{ section: string, figure: string, target: string, measured: string, met: boolean | undefined }[]} */
  rows = [];
  add(section, figure, target, measured, met) {
    this.rows.push({ section, figure, target, measured, met });
  }
  of(section) {
    return this.rows.filter((r) => r.section === section);
  }
  static verdict(met) {
    return met === undefined ? "not measured" : met ? "**met**" : "**not met**";
  }
  /** The section's targets as a table (empty string when it has none). */
  tableOf(section) {
    const rows = this.of(section);
    if (rows.length === 0) return "";
    return `Targets:\n\n${table(
      ["figure", "target", "measured", "met?"],
      rows.map((r) => [r.figure, r.target, r.measured, Targets.verdict(r.met)]),
      ["l", "l", "r", "l"],
    )}`;
  }
}
