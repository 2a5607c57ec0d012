import { describe, expect, it } from 'vitest';
import { retryWhileBusy } from '../../src/daemon/retry-while-busy.js';
import { openReadOnly } from '../../src/db/open-database.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { holdLock } from '../support/lock-holder.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

describe('retryWhileBusy', () => {
  it('hands every attempt whole milliseconds, even with a fractional clock', async () => {
    let now = 0.37;
    const seen: number[] = [];
    await expect(
      retryWhileBusy(
        (busyTimeoutMs) => {
          seen.push(busyTimeoutMs);
          now += 13.61;
          throw new DriftdError('DB_BUSY', 'locked');
        },
        { budgetMs: 120.5, clock: () => now },
      ),
    ).rejects.toMatchObject({ code: 'DB_BUSY' });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((value) => Number.isInteger(value))).toBe(true);
  });

  it('reports a database locked throughout as DB_BUSY on its last attempt (real lock, performance.now clock)', async () => {
    const dir = tempDir('driftd-retry-');
    const db = createDatabase(dir, 'CREATE TABLE t (x);');
    const holder = await holdLock(db, 'BEGIN EXCLUSIVE', 'INSERT INTO t VALUES (1)');
    try {
      await expect(
        retryWhileBusy(
          (busyTimeoutMs) => {
            openReadOnly(db, { busyTimeoutMs }).close();
          },
          { budgetMs: 130.5, clock: () => performance.now() },
        ),
      ).rejects.toMatchObject({ code: 'DB_BUSY' });
    } finally {
      await holder.kill();
    }
  });
});
