import { describe, expect, it } from 'vitest';
import { evaluatePointer } from '../../../src/reconcile/mapping/json-pointer.js';

// The examples of RFC 6901 §5.
const RFC_DOCUMENT = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };

describe('evaluatePointer (RFC 6901)', () => {
  it.each([
    ['', RFC_DOCUMENT],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('%j finds its value', (pointer, value) => {
    expect(evaluatePointer(RFC_DOCUMENT, pointer)).toEqual({ found: true, value });
  });

  it.each([['/missing'], ['/foo/2'], ['/foo/01'], ['/foo/-'], ['/foo/0/deeper'], ['/toString']])('%j finds nothing', (pointer) => {
    expect(evaluatePointer(RFC_DOCUMENT, pointer)).toEqual({ found: false });
  });
});
