/**
 * A modification time written the way the application writes its own rows. `iso8601` is
 * `Date.toISOString()` (`2025-06-03T11:02:00.000Z`), `unixSeconds` whole seconds; a template
 * spells any other layout with `YYYY` `MM` `DD` `HH` `mm` `ss` `SSS` (milliseconds) `SSSSSS`
 * (microseconds, as Python's `isoformat()` writes them) and `ZZ` (`+02:00`, or `+00:00` in UTC);
 * every other character is copied. `timeZone` picks UTC (default) or the daemon's local time (the
 * TZ of its process: `datetime.now().isoformat()` in a Python app is local). Pure.
 */
export type TimestampFormat = 'iso8601' | 'unixSeconds' | { readonly template: string; readonly timeZone: 'utc' | 'local' };

export function formatTimestamp(ms: number, format: TimestampFormat): string | number {
  if (format === 'iso8601') return new Date(ms).toISOString();
  if (format === 'unixSeconds') return Math.floor(ms / 1000);
  const date = new Date(ms);
  const utc = format.timeZone === 'utc';
  const offsetMinutes = utc ? 0 : -date.getTimezoneOffset();
  const parts: Record<string, string> = {
    YYYY: String(utc ? date.getUTCFullYear() : date.getFullYear()).padStart(4, '0'),
    MM: pad((utc ? date.getUTCMonth() : date.getMonth()) + 1),
    DD: pad(utc ? date.getUTCDate() : date.getDate()),
    HH: pad(utc ? date.getUTCHours() : date.getHours()),
    mm: pad(utc ? date.getUTCMinutes() : date.getMinutes()),
    ss: pad(utc ? date.getUTCSeconds() : date.getSeconds()),
    SSSSSS: String(Math.floor((((ms % 1000) + 1000) % 1000) * 1000)).padStart(6, '0'),
    SSS: String(((ms % 1000) + 1000) % 1000 | 0).padStart(3, '0'),
    ZZ: `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`,
  };
  return format.template.replace(/YYYY|SSSSSS|SSS|MM|DD|HH|mm|ss|ZZ/g, (token) => parts[token]!);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
