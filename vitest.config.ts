import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SQLite files, real child processes and a real daemon: give slow CI machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // `repair --db/--schema` records into the user's state directory (audit trail): keep tests out of $HOME.
    env: { XDG_STATE_HOME: join(tmpdir(), 'driftd-test-state') },
  },
});
