/**
 * Steps larger than their field can count: a step of 61 (`/61` after `*`) in the seconds field (0–59) fires only at
 * second 0, which is never what was meant, yet node-cron accepts it. Returns one problem per
 * such step, naming the field and its range; empty when every step fits. Pure.
 */
export function cronStepProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  const names = fields.length === 6 ? FIELDS : FIELDS.slice(1);
  const problems: string[] = [];
  fields.forEach((field, index) => {
    const spec = names[index];
    if (spec === undefined) return;
    for (const part of field.split(',')) {
      const step = /\/(\d+)$/.exec(part);
      if (step === null) continue;
      const value = Number(step[1]);
      const span = spec.max - spec.min;
      if (value < 1 || value > span) {
        problems.push(`step /${value} in the ${spec.name} field: ${spec.name}s run ${spec.min}–${spec.max}, so a step must be 1–${span}`);
      }
    }
  });
  return problems;
}

const FIELDS: ReadonlyArray<{ readonly name: string; readonly min: number; readonly max: number }> = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
];
