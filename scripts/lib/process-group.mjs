/** Kills a child started with `detached: true` together with everything it started (its process group). */
export function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
