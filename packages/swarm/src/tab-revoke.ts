/**
 * Revoking a provider caught cheating: its tab is closed at once (not at the end of the run) and the
 * refund taken in, so what is left on it stops being at a cheater's mercy. A close that fails is reported
 * (the tab stays open and the run's close tries again), never thrown: the run goes on.
 */
import { closeTab, type TabCloseContext } from "./tab-close.js";

export async function revokeTab(
  ctx: TabCloseContext,
  provider: string,
  /** Resolves once no deposit to `provider` is on its way (its job ended). */
  settled: () => Promise<void>,
): Promise<string | undefined> {
  await settled();
  const open = ctx.tabs
    .list(ctx.client.pubkey, ctx.mintUrl)
    .some((tab) => tab.provider === provider && tab.state === "open");
  if (!open) return undefined;
  try {
    await closeTab(ctx, provider);
    return undefined;
  } catch (error) {
    return `closing the tab of ${provider.slice(0, 8)} (caught cheating): ${error instanceof Error ? error.message : String(error)}`;
  }
}
