import { describe, expect, it } from 'vitest';
import { LIFECYCLE_TRANSITIONS, canTransition, transition, type LifecycleState } from '../../src/daemon/lifecycle.js';

const states = Object.keys(LIFECYCLE_TRANSITIONS) as LifecycleState[];

describe('daemon lifecycle table', () => {
  it.each<[LifecycleState, LifecycleState, boolean]>([
    ['created', 'running', true],
    ['created', 'stopped', true],
    ['created', 'stopping', false],
    ['running', 'stopping', true],
    ['running', 'stopped', false],
    ['running', 'created', false],
    ['stopping', 'stopped', true],
    ['stopping', 'running', false],
    ['stopped', 'running', false],
    ['stopped', 'created', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) expect(transition(from, to)).toBe(to);
    else expect(() => transition(from, to)).toThrow(`cannot go from ${from} to ${to}`);
  });

  it('ends in stopped, which is final', () => {
    expect(states.filter((state) => LIFECYCLE_TRANSITIONS[state].length === 0)).toEqual(['stopped']);
  });
});
