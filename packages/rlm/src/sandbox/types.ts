/** Public types of the sandboxed Python REPL. */

/** What `context` becomes in Python: a `str`, a `list[str]`, or a JSON-like `dict`. */
export type ContextValue = string | string[] | Record<string, unknown>;

/** A batch of sub-calls made by model code through `llm_query` / `llm_batch` (kind "llm") or `rlm_query` / `rlm_batch` (kind "rlm"). */
export interface BridgeRequest {
  kind: "llm" | "rlm";
  /** One prompt per item, in the order the code passed them. */
  prompts: string[];
  /** The keyword arguments of the Python call (e.g. `model`, `max_tokens`), as JSON. */
  opts: Record<string, unknown>;
}

/**
 * The host side of the sub-call bridge. Resolve with one string per prompt, in order; a failed item is a string
 * starting with "Error:". A rejection turns every item of the batch into an "Error: …" string: sub-calls never
 * raise into model code. `signal` aborts when the cell is killed or the sandbox closes.
 */
export type SubcallHandler = (request: BridgeRequest, signal: AbortSignal) => Promise<string[]>;

/** How the child is kept off the network at the operating-system level. */
export type NetworkIsolation = "auto" | "required" | "off";

export interface SandboxOptions {
  /** Wall-clock limit of one cell, excluding time spent waiting on sub-calls. Default 60 000 ms. */
  cellTimeoutMs?: number;
  /** Resident memory limit of the REPL process (Python heap, JS heap and runtime). Default 2048 MB. */
  memoryLimitMb?: number;
  /**
   * Cap the interpreter's WebAssembly memory below `memoryLimitMb`, so that most memory bombs end in a Python
   * `MemoryError` without a restart. The RSS watchdog stays the hard limit either way. Default true.
   */
  wasmMemoryCap?: boolean;
  /** Host side of `llm_query` and friends. Without it every sub-call item is an "Error: …" string. */
  onSubcall?: SubcallHandler;
  /** Per-stream cap on captured stdout / stderr; the middle is elided. Default 1 000 000 characters. */
  maxOutputChars?: number;
  /** Most prompts accepted in one batch; larger batches get an error in every item. Default 10 000. */
  maxBatchSize?: number;
  /** Limit for starting the REPL process and loading Pyodide. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Limit for loading a context into Python. Default 60 000 ms. */
  contextTimeoutMs?: number;
  /**
   * "auto" (default) runs the child in an empty network namespace when Linux allows it (`unshare`), "required"
   * refuses to start without one, "off" never tries. The in-process layers apply in every case.
   */
  networkIsolation?: NetworkIsolation;
}

/** An exception raised by a cell, reported the way the RLM protocol shows it: "Type: message". */
export interface CellError {
  type: string;
  message: string;
  /** The Python traceback limited to cell frames, when there is one. */
  traceback?: string;
}

/** A final answer recorded by `FINAL(x)`, `FINAL_VAR(name)` or `answer = {"content": ..., "ready": True}`. */
export interface FinalAnswer {
  content: string;
  source: "FINAL" | "FINAL_VAR" | "answer";
}

export interface CellResult {
  stdout: string;
  stderr: string;
  error?: CellError;
  /** Host-measured wall time of the cell, sub-calls included. */
  durationMs: number;
  /** User-defined names after the cell: not reserved, not dunder, not modules. */
  variables: string[];
  final?: FinalAnswer;
  /** True when the cell was killed and the REPL restarted (user variables are gone). */
  restarted?: boolean;
}

/** What Python made of a context. */
export interface ContextInfo {
  type: "str" | "list" | "dict";
  /** `len(context)`: characters, items or keys. */
  length: number;
  /** Size of the encoded context sent to the REPL. */
  bytes: number;
  /** Host-measured time to transfer and decode it. */
  loadMs: number;
}

/** Which isolation layers the running child got. */
export interface SandboxIsolation {
  networkNamespace: boolean;
  parentDeathSignal: boolean;
}
