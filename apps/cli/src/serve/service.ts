/**
 * The ModelService behind `pylon serve` and `pylon mcp`: one market (swarm, wallet, tabs) opened for the
 * server's life; `market/<name>` requests are one paid job each, `rlm` requests an RLM run whose root and
 * sub-calls are paid jobs (or the configured models). Every request's receipt (and RLM log) is written to
 * <data dir>/serve/.
 */
import type { ModelService } from "@pylon/gateway";
import type { ModelSpec } from "@pylon/rlm";

export interface ServiceOptions {
  /** The data dir (PYLON_HOME): wallet, swarm.db, trust.db, serve/ receipts. */
  home: string;
  relays: string[];
  /** Pay through Cashu tabs from <home>/wallet at this mint; without one, only free providers serve. */
  mint?: string;
  /** Most one job may cost, msats. */
  maxPriceMsats?: number;
  /** Live providers to wait for before serving (0: do not wait). */
  providers: number;
  /** The RLM's models for `rlm` requests: root (default swarm: — any market model) and sub (default swarm). */
  root: ModelSpec;
  sub: ModelSpec;
  /** Say nothing on stderr but errors. */
  quiet?: boolean;
}

export async function openModelService(_options: ServiceOptions): Promise<ModelService> {
  throw new Error("not built yet");
}
