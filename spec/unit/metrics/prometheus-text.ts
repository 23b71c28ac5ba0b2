// A strict parser of the Prometheus text exposition format (version 0.0.4), for the specs: it
// throws on anything a Prometheus server would reject, so that a malformed scrape fails the test.

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its `# HELP`, `# TYPE` and samples. */
export interface Family {
  readonly name: string;
  help: string;
  type: string;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const suffixes: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count', ''],
};

/** Parses a scrape into families by name; throws on a malformed line, a duplicate or a stray sample. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const family = (name: string): Family => {
    let found = families.get(name);
    if (found === undefined) {
      if (!metricName.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`);
      found = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  if (text !== '' && !text.endsWith('\n'))
    throw new Error('the exposition must end with a newline');
  for (const [index, line] of text.split('\n').entries()) {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (current?.name !== name && current !== undefined && families.has(name)) {
        throw new Error(`${where}: metadata of ${name} after other families`);
      }
      current = family(name);
      if (kind === 'HELP') current.help = unescapeText(rest, false);
      else if (!types.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
      else if (current.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
      else current.type = rest;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line, where);
    const owner =
      current !== undefined &&
      (suffixes[current.type] ?? ['']).some((suffix) => sample.name === current?.name + suffix)
        ? current
        : undefined;
    if (owner === undefined) throw new Error(`${where}: sample outside its family`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    owner.samples.push(sample);
  }
  return families;
}

function parseSample(line: string, where: string): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (head === null) throw new Error(`${where}: no metric name`);
  const name = head[1] as string;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const pair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,?)/.exec(line.slice(at));
      if (pair === null) throw new Error(`${where}: bad label at column ${at + 1}`);
      const [all, label = '', raw = '', comma] = pair;
      if (!labelName.test(label) || label in labels)
        throw new Error(`${where}: bad label ${label}`);
      labels[label] = unescapeText(raw, true);
      at += all.length;
      if (comma === '' && line[at] !== '}') throw new Error(`${where}: expected , or }`);
    }
    at++;
  }
  const rest = line.slice(at);
  const parts = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (parts === null) throw new Error(`${where}: bad value part ${JSON.stringify(rest)}`);
  return { name, labels, value: parseValue(parts[1] as string, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  // Prometheus reads values with Go's ParseFloat, which takes NaN in any case; prom-client writes
  // `Nan` (an event loop lag mean before its first sample).
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`${where}: bad value ${text}`);
  }
  return Number(text);
}

function unescapeText(text: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (all, char: string) => {
    if (char === '\\') return '\\';
    if (char === 'n') return '\n';
    if (char === '"' && quotes) return '"';
    return all;
  });
}

/**
 * The value of the sample `name` whose labels are exactly `labels`; throws
 * when there is none, listing the series there are.
 */
export function sampleValue(
  families: ReadonlyMap<string, Family>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const all = [...families.values()].flatMap((family) => family.samples);
  const found = all.find(
    (sample) =>
      sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  );
  if (found === undefined) {
    const series = all
      .filter((sample) => sample.name === name)
      .map((s) => JSON.stringify(s.labels));
    throw new Error(`no sample ${name}${wanted}; there are: ${series.join(' ') || 'none'}`);
  }
  return found.value;
}
