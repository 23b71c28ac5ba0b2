// The package as a user gets it: `npm pack`, install the tarball into a new project with TypeScript,
// compile a file importing every entry point (strict, nodenext, skipLibCheck false), import each
// entry point at run time and check that it loads no heavy dependency it does not need, and run
// the installed `batchwatch --version`. Installs from npm's cache first (`npm ci` filled it).
// Usage: npm run check:package   (exits 1 if any check fails)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
  scripts: Record<string, string>;
};

/** Scripts npm counts as install scripts of an installed package (npm 11 warns about each). */
const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'];

/** Heavy dependencies, and the entry points allowed to load each. */
const heavy: Record<string, readonly string[]> = {
  '@kubernetes/client-node': ['batchwatch/kubernetes'],
  dockerode: ['batchwatch/docker'],
  ioredis: ['batchwatch/jfs', 'batchwatch/journal'],
  'prom-client': ['batchwatch/metrics'],
};
const entryPoints = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'batchwatch' : `batchwatch/${key.slice(2)}`));

/** The version of a package installed here, so that the consumer's install hits npm's cache. */
const installed = (name: string): string =>
  (
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** Runs a command and returns its stdout. */
const run = (command: string, args: readonly string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Runs a command with its output shown; a failure ends the check with its exit code. */
function step(command: string, args: readonly string[], cwd: string): void {
  try {
    execFileSync(command, args, { cwd, stdio: 'inherit' });
  } catch {
    console.error(`check-package: FAILED: ${command} ${args.join(' ')} (in ${cwd})`);
    process.exitCode = 1;
    throw new Error('step failed');
  }
}

const work = mkdtempSync(join(tmpdir(), 'batchwatch-package-'));
try {
  // A user's `npm install batchwatch` must run nothing of ours, and npm 11 says "install scripts
  // not yet covered by allowScripts" for any of these (`prepare` included, though it does not run).
  const scripts = installScripts.filter((name) => name in manifest.scripts);
  console.log(`install scripts: ${scripts.join(', ') || 'none'}`);
  if (scripts.length > 0) {
    console.error(`  FAIL: ${scripts.join(', ')} in package.json (use "dependencies"/"prepack")`);
    process.exitCode = 1;
    throw new Error('install scripts');
  }
  step('npm', ['run', 'build', '--silent'], root);
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]?.filename ?? '');
  console.log(`packed ${tarball} (${packed[0]?.files.length} files)`);
  // Every source map points at files the tarball ships (a map whose source is missing leaves a
  // debugger or "go to definition" on nothing).
  const shipped = new Set(packed[0]?.files.map((file) => file.path));
  const maps = [...shipped].filter((path) => path.endsWith('.map'));
  const dangling = maps.flatMap((map) => {
    const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[] };
    return sources
      .map((source) => posix.normalize(posix.join(posix.dirname(map), source)))
      .filter((source) => !shipped.has(source))
      .map((source) => `${map} -> ${source}`);
  });
  console.log(`source maps: ${maps.length}, ${dangling.length} pointing at a file not shipped`);
  if (dangling.length > 0) {
    console.error(
      `  FAIL: ${dangling.slice(0, 5).join(', ')}${dangling.length > 5 ? ', ...' : ''}`,
    );
    process.exitCode = 1;
    throw new Error('source maps point outside the package');
  }

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }),
  );
  // The optional peers (dockerode, prom-client, the Kubernetes client) are installed as a user of
  // their entry points would; --ignore-scripts skips ssh2's optional native build.
  const wanted = [
    'typescript',
    '@types/node',
    'dockerode',
    'prom-client',
    '@kubernetes/client-node',
  ];
  step(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      tarball,
      ...wanted.map((name) => `${name}@${installed(name)}`),
    ],
    app,
  );

  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2023',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        noEmit: true,
      },
      include: ['app.ts'],
    }),
  );
  const namespaces = entryPoints.map((entry, i) => ({ entry, name: `entry${i}` }));
  writeFileSync(
    join(app, 'app.ts'),
    [
      ...namespaces.map(({ entry, name }) => `import * as ${name} from '${entry}';`),
      "import { type Event, EventQueue, fileSource } from 'batchwatch';",
      "import { DockerStreamError, dockerSource } from 'batchwatch/docker';",
      "import { JfsProxy, jfsSource } from 'batchwatch/jfs';",
      "import { queueMetrics } from 'batchwatch/metrics';",
      "import { dockerEvent } from 'batchwatch/testing';",
      'const seen: Event[] = [];',
      'const queue = new EventQueue({ onFlush: (batch) => { seen.push(...batch); } });',
      'queueMetrics(queue);',
      // onWarning as the README writes it: a typed warning, narrowed with instanceof, no cast.
      'export const typed = new EventQueue({ onWarning: (warning, index) => {',
      '  if (warning instanceof DockerStreamError) console.log(index, warning.delayMs);',
      '  else console.log(index, warning.code, warning.message);',
      '} });',
      "queue.start(fileSource(['.']), dockerSource({ docker: { socketPath: '/nowhere' } }),",
      "  jfsSource({ paths: ['/data'] }));",
      'queue.push(dockerEvent.start("web"));',
      'export const proxy: typeof JfsProxy.start = JfsProxy.start;',
      `export const all = [${namespaces.map(({ name }) => name).join(', ')}];`,
      '',
    ].join('\n'),
  );
  step(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);
  console.log(`types: ${entryPoints.join(', ')} compile (strict, nodenext, skipLibCheck false)`);

  // Which packages each entry point (and `batchwatch --version`) loads, seen by a resolve hook in
  // a fresh process.
  writeFileSync(
    join(app, 'hook.mjs'),
    `import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) {
  const result = next(specifier, context);
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
  if (match && match[1] !== 'batchwatch') seen.add(match[1]);
  return result;
} });
process.on('exit', () => writeFileSync('loaded.json', JSON.stringify([...seen])));
`,
  );
  const traced = (args: readonly string[]): { stdout: string; loaded: string[] } => {
    const stdout = run(process.execPath, ['--import', './hook.mjs', ...args], app).trim();
    return { stdout, loaded: JSON.parse(readFileSync(join(app, 'loaded.json'), 'utf8')) };
  };
  const heavyIn = (loaded: readonly string[]): string[] =>
    Object.keys(heavy).filter((dep) => loaded.includes(dep));
  let failed = false;
  for (const entry of entryPoints) {
    const { stdout, loaded } = traced([
      '--input-type=module',
      '-e',
      'console.log(Object.keys(await import(process.argv[1])).length)',
      entry,
    ]);
    const wrong = heavyIn(loaded).filter((dep) => !heavy[dep]?.includes(entry));
    console.log(
      `import('${entry}'): ${stdout} runtime names; loads ${heavyIn(loaded).join(', ') || 'no heavy dependency'}`,
    );
    if (stdout === '0' || wrong.length > 0) {
      console.error(`  FAIL: ${stdout === '0' ? 'nothing exported' : `loads ${wrong.join(', ')}`}`);
      failed = true;
    }
  }

  const cli = join(app, 'node_modules', 'batchwatch', 'dist', 'cli', 'main.js');
  const { stdout: version, loaded } = traced([cli, '--version']);
  console.log(`batchwatch --version: ${version}; loads ${loaded.join(', ') || 'no package'}`);
  if (version !== manifest.version || loaded.length > 0) {
    console.error(`  FAIL: expected ${manifest.version}, loading no package`);
    failed = true;
  }
  const bin = run(join(app, 'node_modules', '.bin', 'batchwatch'), ['--version'], app).trim();
  if (bin !== manifest.version) {
    console.error(`  FAIL: node_modules/.bin/batchwatch --version printed ${bin}`);
    failed = true;
  }
  if (failed) process.exitCode = 1;
  else console.log('package check passed');
} catch (err) {
  if (process.exitCode !== 1) throw err;
} finally {
  rmSync(work, { recursive: true, force: true });
}
