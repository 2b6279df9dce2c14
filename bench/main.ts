// Benchmark entry: `npm run bench -- <name> [args...]` runs `bench/<name>.ts`'s exported `run(args)`.
interface Benchmark {
  run(args: string[]): Promise<void>;
}

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  'sandbox-build': () => import('./sandbox-build.js'),
  sandbox: () => import('./sandbox.js'),
  manifest: () => import('./manifest.js'),
  journal: () => import('./journal.js'),
  engine: () => import('./engine.js'),
  replay: () => import('./replay.js'),
  ui: () => import('./ui.js'),
  api: () => import('./api.js'),
};

const [name, ...args] = process.argv.slice(2);
const load = name === undefined ? undefined : BENCHMARKS[name];
if (load === undefined) {
  console.error(
    `usage: npm run bench -- <name> [args...]; benchmarks: ${Object.keys(BENCHMARKS).join(', ')}`,
  );
  process.exitCode = 2;
} else {
  await (await load()).run(args);
}
