// Issue 16, config defaults in the zod format alone: where the format is not loaded (the library, a
// `--db/--schema` run), the defaults are written once more, named, and must be the format's.
import { describe, expect, it } from 'vitest';
import { LIBRARY_DEFAULTS } from '../../src/api/library-options.js';
import { WITHOUT_CONFIG } from '../../src/cli/resolve-target.js';
import { configFormat, SETTING_DEFAULTS } from '../../src/config/config-format.js';

const parsed = configFormat.parse({ targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] });

describe('the defaults of runs without a config', () => {
  it('are the config format’s: the CLI’s ad-hoc form', () => {
    expect(WITHOUT_CONFIG).toEqual({ busyTimeoutMs: parsed.busyTimeoutMs, backupKeep: parsed.backup.keep, poolSize: parsed.poolSize });
  });

  it('are the config format’s: the library', () => {
    expect(LIBRARY_DEFAULTS).toEqual({ busyTimeoutMs: parsed.busyTimeoutMs, backupKeep: parsed.backup.keep, auditMaxBytes: parsed.audit.maxBytes, auditKeep: parsed.audit.keep });
  });

  it('SETTING_DEFAULTS are what the format gives a config that names none, and every nested section defaults whole', () => {
    expect(SETTING_DEFAULTS).toEqual({ fullCheck: parsed.fullCheck, repairBackoff: parsed.repairBackoff });
    expect(parsed.http).toEqual({ host: '127.0.0.1', port: 9187, maxConnections: 256, keepAliveTimeoutMs: 5000 });
    expect(parsed.backup).toEqual({ enabled: false, dir: 'backups', keep: 5 });
    expect(parsed.audit).toEqual({ maxBytes: 8 * 1024 * 1024, keep: 5 });
    expect(parsed.fullCheck).toEqual({ everyCycles: 120, everySeconds: 600 });
    expect(parsed.repairBackoff).toEqual({ initialSeconds: 30, maxSeconds: 3600 });
  });
});
