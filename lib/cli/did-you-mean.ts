/** The subcommands, as `batchwatch --help` lists them. */
const COMMANDS = ['watch', 'proxy', 'daemon', 'help'] as const;

/**
 * The subcommand a word that is neither a command nor an existing path was probably meant to be
 * (`deamon` -> `daemon`): one at most two edits away, else `null`. Only a bare word qualifies: a
 * word with a `/` or a `.` is a path.
 */
export function didYouMean(word: string): string | null {
  if (/[/.]/.test(word) || word.length < 3) return null;
  let best: string | null = null;
  let bestDistance = 3;
  for (const command of COMMANDS) {
    const distance = editDistance(word.toLowerCase(), command);
    if (distance < bestDistance) {
      best = command;
      bestDistance = distance;
    }
  }
  return best === null ? null : `"batchwatch ${best}"`;
}

/** Damerau-Levenshtein distance (optimal string alignment): a swap of two letters is one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = value;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
