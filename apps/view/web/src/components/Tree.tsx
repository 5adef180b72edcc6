/** The recursion tree: the root RLM and the children its code started, nested; each node selects that RLM. */
import type { TreeNode } from "../../../src/api.js";
import { fmtInt, fmtSats, oneLine } from "../format.js";
import { RunStatusBadge } from "./Status.js";

export interface TreeProps {
  tree: TreeNode;
  selected: string;
  onSelect: (runId: string) => void;
}

function Node({ node, selected, onSelect }: { node: TreeNode } & Omit<TreeProps, "tree">) {
  const isSelected = node.runId === selected;
  return (
    <li>
      <button
        type="button"
        class={`tree-node${isSelected ? " selected" : ""}`}
        aria-pressed={isSelected}
        data-run={node.runId}
        data-depth={node.depth}
        onClick={() => onSelect(node.runId)}
      >
        <span class="depth">depth {node.depth}</span>
        <span class="q">{oneLine(node.question, 90)}</span>
        <RunStatusBadge status={node.status} />
        <span class="muted">
          {node.iterations} it. · {fmtInt(node.subcalls)} sub-calls · {fmtSats(node.sats)}
        </span>
      </button>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <Node key={child.runId} node={child} selected={selected} onSelect={onSelect} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function Tree({ tree, selected, onSelect }: TreeProps) {
  return (
    <ul class="tree" aria-label="Recursion tree">
      <Node node={tree} selected={selected} onSelect={onSelect} />
    </ul>
  );
}

/** Every node of the tree, depth first, for lookups by run id. */
export function flatten(tree: TreeNode, out: TreeNode[] = []): TreeNode[] {
  out.push(tree);
  for (const child of tree.children) flatten(child, out);
  return out;
}
