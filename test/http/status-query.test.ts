import { describe, expect, it } from 'vitest';
import { parseStatusQuery } from '../../src/http/status-query.js';

describe('parseStatusQuery (GET /status?target=…&state=…&limit=…&offset=…)', () => {
  it.each([
    [{}, null],
    [{ format: 'html' }, null],
    [{ target: 't' }, { target: 't', state: null, limit: 100, offset: 0 }],
    [{ target: 't', state: 'attention' }, { target: 't', state: null, limit: 100, offset: 0 }],
    [{ target: 't', state: 'drift', limit: '5', offset: '10' }, { target: 't', state: 'drifted', limit: 5, offset: 10 }],
    [{ target: 't', state: 'error', limit: '0' }, { target: 't', state: 'error', limit: 0, offset: 0 }],
    [{ target: 't', state: 'all', limit: '1000' }, { target: 't', state: 'all', limit: 1000, offset: 0 }],
  ])('%j → %j', (raw, query) => {
    expect(parseStatusQuery(raw)).toEqual({ ok: true, query });
  });

  it.each([
    [{ state: 'drift' }, 'name the fleet target'],
    [{ target: '' }, 'name the fleet target'],
    [{ target: 't', state: 'bogus' }, 'state "bogus"'],
    [{ target: 't', limit: '1001' }, 'limit must be a whole number from 0 to 1000'],
    [{ target: 't', limit: '-1' }, 'limit must be'],
    [{ target: 't', offset: '1.5' }, 'offset must be'],
    [{ target: ['a', 'b'] }, 'name the fleet target'],
  ])('%j is refused: %s', (raw, message) => {
    const result = parseStatusQuery(raw);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });
});
