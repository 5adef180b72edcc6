export type { EncodedContext } from "./sandbox/context-encoding.js";
export { encodeContext } from "./sandbox/context-encoding.js";
export { PythonSandbox, SandboxClosedError, SandboxContextError, type SandboxStats } from "./sandbox/host.js";
export { networkNamespaceAvailable, SandboxStartError } from "./sandbox/launch.js";
export { DEFAULT_SETTINGS as SANDBOX_DEFAULTS } from "./sandbox/options.js";
export type {
  CellError,
  CellResult,
  ContextInfo,
  ContextValue,
  FinalAnswer,
  NetworkIsolation,
  SandboxIsolation,
  SandboxOptions,
  SubcallHandler,
  SubcallRequest,
} from "./sandbox/types.js";
