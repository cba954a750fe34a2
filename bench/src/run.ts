/** `npm run bench -- <name> [options]`: runs one benchmark (or all) and updates bench/RESULTS.md. */
import { benchAssignExport } from './assign-export.js';
import { benchCheckRun } from './check-run.js';
import { benchImportCsv } from './import-csv.js';
import { benchListSimcards } from './list-simcards.js';
import { benchProtection } from './protection.js';
import { benchStatistics } from './statistics.js';
import { benchStartup } from './startup.js';

const benches: Record<string, (argv: string[]) => Promise<void>> = {
  'assign-export': benchAssignExport,
  'check-run': benchCheckRun,
  'import-csv': benchImportCsv,
  'list-simcards': benchListSimcards,
  protection: benchProtection,
  statistics: benchStatistics,
  startup: benchStartup,
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
