// `node --require ./builtins.cjs …`: at exit, appends to $DRIFTD_MODULE_TRACE every Node built-in
// module the process loaded after start-up (`builtin:<id>`, from process.moduleLoadList), so a test
// sees which of Node's own modules a command pulls in (streams, perf_hooks, the ES loader…).
const { appendFileSync } = require('node:fs');

const trace = process.env.DRIFTD_MODULE_TRACE;
if (trace) {
  const atStart = new Set(process.moduleLoadList);
  process.on('exit', () => {
    const loaded = process.moduleLoadList.filter((entry) => !atStart.has(entry) && entry.startsWith('NativeModule '));
    if (loaded.length > 0) appendFileSync(trace, loaded.map((entry) => `builtin:${entry.slice('NativeModule '.length)}\n`).join(''));
  });
}
