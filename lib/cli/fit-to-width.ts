/**
 * Cuts one line to fit a terminal `columns` wide, ending it with `…` when cut. The last column
 * stays free: a character written there leaves some terminals about to wrap, and the next clear
 * would then miss the line. Without a width (not a terminal), the line is left whole.
 */
export function fitToWidth(text: string, columns: number | undefined): string {
  if (columns === undefined || !Number.isFinite(columns) || columns < 2) return text;
  const chars = Array.from(text);
  const room = columns - 1;
  if (chars.length <= room) return text;
  return `${chars.slice(0, room - 1).join('')}…`;
}
