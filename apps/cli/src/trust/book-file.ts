/** Where the reputation book lives: `<data dir>/trust.db`, beside the run store; shared by every command. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ReputationBook } from "@pylon/trust";

export function bookFile(home: string): string {
  return join(home, "trust.db");
}

/** The book, or undefined when none was written yet (reading does not create one). */
export function openBookIfAny(home: string): ReputationBook | undefined {
  const file = bookFile(home);
  return existsSync(file) ? ReputationBook.open(file) : undefined;
}
