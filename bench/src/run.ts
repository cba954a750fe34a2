/** `npm run bench -- <name> [options]`: runs one benchmark (or all) and updates bench/RESULTS.md. */
import { benchCheckRun } from './check-run.js';
import { benchListSimcards } from './list-simcards.js';

const benches: Record<string, (argv: string[]) => Promise<void>> = {
  'check-run': benchCheckRun,
  'list-simcards': benchListSimcards,
};

const [name = 'all', ...argv] = process.argv.slice(2);
const selected = name === 'all' ? Object.keys(benches) : [name];
for (const n of selected) {
  const bench = benches[n];
  if (!bench) {
    console.error(`unknown benchmark "${n}"; choose one of: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  await bench(argv);
}
