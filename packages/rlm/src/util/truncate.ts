/**
 * Keeps the head and the tail of a long text with a count of what was cut, so the model sees both how
 * output started and how it ended (errors and totals usually come last).
 */
export function headAndTail(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = Math.ceil(limit / 2);
  const tail = limit - head;
  const elided = text.length - head - tail;
  return `${text.slice(0, head)}\n... [${elided} characters elided] ...\n${tail > 0 ? text.slice(-tail) : ""}`;
}
