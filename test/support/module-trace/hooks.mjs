// Module-resolution hooks (node:module register): append every resolved URL to $DRIFTD_MODULE_TRACE,
// so a test sees exactly which modules a real `driftd` process loaded.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.DRIFTD_MODULE_TRACE) appendFileSync(process.env.DRIFTD_MODULE_TRACE, `${result.url}\n`);
  return result;
}
