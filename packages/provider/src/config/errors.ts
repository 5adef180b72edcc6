import type { z } from "zod";

/** A configuration the node cannot start with; the message says what is wrong and where. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** One line per problem. */
  readonly problems: string[];

  constructor(summary: string, problems: string[] = []) {
    super(
      problems.length === 0 ? summary : `${summary}:\n${problems.map((line) => `  - ${line}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

/** zod issues as "path: message" lines, the way an operator reads a config file. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : String(part))).join(".");
    return where === "" ? issue.message : `${where.replace(/\.\[/g, "[")}: ${issue.message}`;
  });
}
