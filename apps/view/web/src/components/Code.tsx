/** A code block with Python highlighting (highlight.ts), its output and its exception, visibly marked. */
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import type { CodeBlockView } from "../../../src/api.js";
import { fmtMs } from "../format.js";
import { tokenize } from "../highlight.js";

/** Preformatted text that scrolls: focusable, so the keyboard can scroll it too. */
export function Scroll({ class: className, children }: { class: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <pre class={className} tabIndex={0}>
      {children}
    </pre>
  );
}

export function PythonCode({ code }: { code: string }) {
  const tokens = useMemo(() => tokenize(code), [code]);
  return (
    <Scroll class="code">
      <code>
        {tokens.map((token, i) =>
          token.kind === "plain" ? (
            token.text
          ) : (
            <span key={i} class={`tok-${token.kind}`}>
              {token.text}
            </span>
          ),
        )}
      </code>
    </Scroll>
  );
}

export function CodeBlock({ block, n }: { block: CodeBlockView; n: number }) {
  const failed = block.error !== undefined;
  return (
    <article
      class={`codeblock${failed ? " failed" : ""}`}
      aria-label={`Code block ${n}${failed ? ", failed" : ""}`}
    >
      <header>
        <span>Code block {n}</span>
        <span class="muted">{fmtMs(block.durationMs)}</span>
        {failed && <span class="badge bad">exception</span>}
      </header>
      <PythonCode code={block.code} />
      {block.stdout && (
        <>
          <h4>Output</h4>
          <Scroll class="output">{block.stdout}</Scroll>
        </>
      )}
      {block.stderr && (
        <>
          <h4>Stderr</h4>
          <Scroll class="output stderr">{block.stderr}</Scroll>
        </>
      )}
      {block.error && (
        <div class="error">
          <strong>{block.error.type}</strong>: {block.error.message}
        </div>
      )}
    </article>
  );
}
