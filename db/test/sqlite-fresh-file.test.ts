/**
 * Services started together on a fresh SQLite file (`npm start`: the main and status APIs) each
 * open connections that switch it to WAL. SQLite refuses that switch at once (SQLITE_BUSY, no busy
 * handler) while another connection is making it: a connection must try again, not fail. Measured
 * before the retry: 8 of 600 such connections failed (200 files, three handles each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;

sqliteOnly('three handles opening a fresh file at once all connect, in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simcard-fresh-'));
  try {
    let failures: string[] = [];
    for (let i = 0; i < 150 && failures.length === 0; i++) {
      const filename = join(dir, `fresh-${i}.sqlite`);
      const handles = [1, 2, 3].map(() => createDatabase({ client: 'sqlite', filename }));
      const opened = await Promise.allSettled(handles.map((db) => db.raw('PRAGMA journal_mode')));
      failures = opened.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      if (failures.length === 0) {
        for (const r of opened) expect((r as PromiseFulfilledResult<Array<{ journal_mode: string }>>).value[0]!.journal_mode).toBe('wal');
      }
      await Promise.all(handles.map((db) => db.destroy()));
    }
    expect(failures).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
