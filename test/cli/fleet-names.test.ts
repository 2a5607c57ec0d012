// Issue 14, item 7 (fleet names): a tenant directory whose name is not valid UTF-8 was silently never
// checked nor reported (decoded lossily, then not found); a newline in a tenant's name started a line
// of its own in the text output; a `$VAR` whose value holds `[1]` was taken as glob syntax, so a
// decoy directory `data1` was repaired instead of `data[1]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTemplates, FLEET_SCHEMA_SQL, placeTenant } from '../support/fleet-fixture.js';
import { runCli } from '../support/run-cli.js';
import { introspectFile, tempDir } from '../support/temp-db.js';

const columns = (path: string): string[] => introspectFile(path).tables.find((table) => table.name === 'accounts')!.columns.map((column) => column.name);

function fleet(): { dir: string; root: string; config: string; templates: ReturnType<typeof buildTemplates> } {
  const dir = tempDir('driftd-names-');
  const templates = buildTemplates(dir);
  const root = join(dir, 'tenants');
  placeTenant(root, 'plain', templates.inSync);
  writeFileSync(join(dir, 'fleet.sql'), FLEET_SCHEMA_SQL);
  const config = join(dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'tenants', databases: 'tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto' }] }));
  return { dir, root, config, templates };
}

describe('fleet tenant names', () => {
  it('reports a tenant directory whose name is not valid UTF-8 (text and --json) instead of silently skipping it', () => {
    const { root, config, templates } = fleet();
    const name = Buffer.from([0x74, 0xff, 0x65]); // "t", an invalid byte, "e"
    const bad = Buffer.concat([Buffer.from(`${root}/`), name]);
    mkdirSync(bad);
    writeFileSync(Buffer.concat([bad, Buffer.from('/app.sqlite')]), Buffer.alloc(0));
    const text = runCli(['check', '--config', config]);
    // Before the fix: "1 file: 1 in sync", and not a word about the other directory.
    expect(text.stdout).toContain('1 directory not listable');
    expect(text.stdout).toContain(`  unlisted ${root}/t\\xffe: name is not valid UTF-8`);
    const json = JSON.parse(runCli(['check', '--config', config, '--json']).stdout) as { targets: Array<{ unlisted: Array<{ directory: string; message: string }> }> };
    expect(JSON.stringify(json)).toContain('name is not valid UTF-8');
    void templates;
  });

  it('escapes a newline in a tenant name: it never starts a line of its own in the text output', () => {
    const { root, config, templates } = fleet();
    placeTenant(root, 'evil\n  error    forged', templates.missingColumn);
    const run = runCli(['check', '--config', config]);
    expect(run.status).toBe(1);
    const lines = run.stdout.split('\n');
    // Before the fix: a line "  error    forged/app.sqlite: missing_column accounts.plan (safe)".
    expect(lines.filter((line) => line.startsWith('  error    forged'))).toEqual([]);
    expect(lines).toContain(`  drifted  ${root}/evil\\n  error    forged/app.sqlite: missing_column accounts.plan (safe)`);
  });

  it('takes a $VAR value holding glob characters literally: data[1] is the root, the decoy data1 is never touched', () => {
    const dir = tempDir('driftd-names-');
    const templates = buildTemplates(dir);
    const real = placeTenant(join(dir, 'data[1]', 'tenants'), 'a', templates.missingColumn);
    const decoy = placeTenant(join(dir, 'data1', 'tenants'), 'a', templates.missingColumn);
    writeFileSync(join(dir, 'fleet.sql'), FLEET_SCHEMA_SQL);
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'tenants', databases: '$TENANT_DATA/tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto' }] }));
    const run = runCli(['repair', '--config', config], { TENANT_DATA: join(dir, 'data[1]') });
    expect(run.stderr).toBe('');
    // Before the fix: the decoy was repaired and data[1] never looked at.
    expect(columns(real)).toContain('plan');
    expect(columns(decoy)).not.toContain('plan');

    // The config's own directory holding glob characters, for a relative pattern: the same.
    const nested = join(dir, 'data[1]');
    writeFileSync(join(nested, 'fleet.sql'), FLEET_SCHEMA_SQL);
    writeFileSync(join(nested, 'driftd.json'), JSON.stringify({ targets: [{ name: 'tenants', databases: 'tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto' }] }));
    expect(runCli(['check', '--config', join(nested, 'driftd.json')]).stdout).toContain('1 file: 1 in sync, 0 drifted, 0 repaired, 0 in error');
  });
});
