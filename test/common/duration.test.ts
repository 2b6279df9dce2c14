import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../common/index.js';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    ['250', 250],
    ['500ms', 500],
    ['5s', 5_000],
    ['1.5m', 90_000],
    ['2 h', 7_200_000],
    ['1d', 86_400_000],
  ])('parses %j as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([[-1], [Number.NaN], ['5 minutes'], [''], ['1w']])('rejects %j naming the field', (input) => {
    expect(() => parseDuration(input, 'startToCloseTimeout')).toThrow(
      /^startToCloseTimeout: .* is not a duration/,
    );
  });
});
