// Writes src/sandbox/runtime.py into src/sandbox/python-runtime.ts as a string (why: see runtime.py's header).
// Run after editing runtime.py: npm run inline-python -w @pylon/rlm
import { readFileSync, writeFileSync } from "node:fs";

const source = new URL("../src/sandbox/runtime.py", import.meta.url);
const target = new URL("../src/sandbox/python-runtime.ts", import.meta.url);
const python = readFileSync(source, "utf8");
// String.raw keeps backslashes as they are; only a backtick or "${" could end or break the literal.
if (python.includes("`") || python.includes("${"))
  throw new Error('runtime.py may not contain a backtick or "${" (it is inlined as a template literal)');

writeFileSync(
  target,
  `// Generated from runtime.py by scripts/inline-python.mjs: edit runtime.py, then npm run inline-python.
// One string, as long as runtime.py (see its header for why the Python is inlined).
export const PYTHON_RUNTIME = String.raw\`${python}\`;
`,
);
