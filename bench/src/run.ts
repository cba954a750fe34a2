/** `npm run bench -- <name> [options]`: runs one benchmark (or all) and updates bench/RESULTS.md. */
import { benchActivationReport } from './activation-report.js';
import { benchAssignExport } from './assign-export.js';
import { benchCheckRun } from './check-run.js';
import { benchExport } from './export.js';
import { benchImportCsv } from './import-csv.js';
import { benchIngest } from './ingest.js';
import { benchListSimcards } from './list-simcards.js';
import { benchLiveEvents } from './live-events.js';
import { benchPhoneFirstScreen } from './phone-first-screen.js';
import { benchProtection } from './protection.js';
import { benchSearch } from './search.js';
import { benchStartup } from './startup.js';
import { benchStatements } from './statements.js';
import { benchStatistics } from './statistics.js';
import { benchWorkersThroughput } from './workers-throughput.js';

const benches: Record<string, (argv: string[]) => Promise<void>> = {
  'activation-report': benchActivationReport,
  'assign-export': benchAssignExport,
  'check-run': benchCheckRun,
  export: benchExport,
  'import-csv': benchImportCsv,
  ingest: benchIngest,
  'list-simcards': benchListSimcards,
  'live-events': benchLiveEvents,
  'phone-first-screen': benchPhoneFirstScreen,
  protection: benchProtection,
  search: benchSearch,
  statements: benchStatements,
  statistics: benchStatistics,
  startup: benchStartup,
  'workers-throughput': benchWorkersThroughput,
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
