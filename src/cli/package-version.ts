import { readFileSync } from 'node:fs';

/**
 * driftd's version, from the package.json shipped beside `dist/` (two levels up from
 * `dist/cli/`, and from `src/cli/` when tests run the sources): `driftd --version`,
 * `driftd help` and the `driftd_build_info` metric all show this one value.
 */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
