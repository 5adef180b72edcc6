/**
 * One line per relay that is not working as it should, for commands to print: "connection refused", a
 * refused AUTH, a relay that refuses our writes. Healthy relays, and ones still on their first try, give no line.
 */
import type { RelayStatus } from "./types.js";

export function describeRelayTrouble(statuses: readonly RelayStatus[]): string[] {
  const lines: string[] = [];
  for (const s of statuses) {
    const problems: string[] = [];
    const firstTry = s.state === "connecting" && s.connects === 0 && s.lastError === undefined;
    if (s.state !== "open" && s.state !== "idle" && !firstTry) {
      const why = s.lastError ? `: ${plainCause(s.lastError)}` : "";
      problems.push(
        s.connects === 0
          ? `cannot connect${why}`
          : `${s.state === "closed" ? "closed" : "reconnecting"}${why}`,
      );
    } else if (s.auth === "refused" && s.lastError) {
      problems.push(s.lastError);
    }
    if (s.writesRefused !== undefined) problems.push(`refuses our events (${s.writesRefused})`);
    if (problems.length > 0) lines.push(`${s.relay}: ${problems.join("; ")}`);
  }
  return lines;
}

/** Socket errors in the words a user knows, with the original kept. */
function plainCause(error: string): string {
  if (/ECONNREFUSED/.test(error)) return `connection refused (${error})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return `host not found (${error})`;
  return error;
}
