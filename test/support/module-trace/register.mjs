// `node --import ./register.mjs …`: installs hooks.mjs in the process under test, and traces
// CommonJS loads too (`require`, `createRequire`): ESM hooks never see those, and driftd loads
// better-sqlite3 through `createRequire` (src/db/open-sqlite.ts).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

register('./hooks.mjs', import.meta.url);

const trace = process.env.DRIFTD_MODULE_TRACE;
if (trace) {
  const load = Module._load;
  Module._load = function tracedLoad(request, parent, isMain) {
    try {
      const resolved = Module._resolveFilename(request, parent, isMain);
      appendFileSync(trace, `${resolved.startsWith('/') ? `file://${resolved}` : `node:${resolved.replace(/^node:/, '')}`}\n`);
    } catch {
      // Unresolvable: the real load below reports it.
    }
    return load.apply(this, arguments);
  };
}
