import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { age, humanDuration } from './age.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('durations read as kubectl prints them', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-1 * S, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [10 * M + 5 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 12 * M, '5h12m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 4 * H, '2d4h'],
    [30 * D, '30d'],
    [800 * D, '2y70d'],
    [365 * 9 * D, '9y'],
  ];
  for (const [ms, want] of cases) assert.is(humanDuration(ms), want, `${ms} ms`);
});

test('age from a timestamp; missing or bad timestamps are <unknown>', () => {
  const now = new Date('2026-11-25T13:00:00Z');
  assert.is(age('2026-11-25T12:57:00Z', now), '3m');
  assert.is(age(undefined, now), '<unknown>');
  assert.is(age('yesterday', now), '<unknown>');
});

test.run();
