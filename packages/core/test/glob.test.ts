import { describe, expect, it } from 'vitest';
import { matchesAny, matchesGlob } from '../src/glob.ts';

describe('matchesGlob', () => {
  it.each([
    ['prod-a', 'prod-a', true],
    ['prod-a', 'prod-b', false],
    ['prod-a', 'prod', false],
    ['prod', 'prod-a', false],
    ['prod-a', 'prod-*', true],
    ['prod-', 'prod-*', true],
    ['preprod-a', 'prod-*', false],
    ['prod-eu-1', '*-eu-*', true],
    ['prod-us-1', '*-eu-*', false],
    ['anything', '*', true],
    ['', '*', true],
    ['prod-a', 'prod-?', true],
    ['prod-ab', 'prod-?', false],
    ['aaab', 'a*a*b', true],
    ['aaac', 'a*a*b', false],
    ['Prod-a', 'prod-*', false],
    ['prod.a', 'prod?a', true],
    ['prod[a]', 'prod[a]', true],
    ['proda', 'prod[a]', false],
  ])('matches %j against %j: %s', (name, pattern, expected) => {
    expect(matchesGlob(name, pattern)).toBe(expected);
  });
});

describe('matchesAny', () => {
  it('is true when any pattern matches', () => {
    expect(matchesAny('dev-b', ['prod-*', 'dev-*'])).toBe(true);
  });

  it('is false for no patterns or no match', () => {
    expect(matchesAny('dev-b', [])).toBe(false);
    expect(matchesAny('stage-b', ['prod-*', 'dev-*'])).toBe(false);
  });
});
