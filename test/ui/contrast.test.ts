/**
 * The design tokens keep text readable: every text colour of `ui/src/styles/global.css` meets WCAG
 * AA (4.5:1) on the backgrounds it is used on, computed from the stylesheet itself.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../ui/src/styles/global.css', import.meta.url), 'utf8');

function token(name: string): string {
  const match = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(css);
  if (match?.[1] === undefined) throw new Error(`no colour token --${name} in global.css`);
  return match[1];
}

function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const PAIRS: [text: string, background: string][] = [
  ['text', 'surface'],
  ['text', 'bg'],
  ['text-muted', 'surface'],
  ['text-muted', 'bg'],
  ['text-muted', 'surface-sunken'],
  ['text-faint', 'surface'],
  ['accent-text', 'surface'],
  ['accent-text', 'accent-soft'],
  ['nav-text', 'nav-bg'],
  ['nav-text-active', 'nav-item-active'],
  ['tone-neutral-text', 'tone-neutral-bg'],
  ['tone-info-text', 'tone-info-bg'],
  ['tone-success-text', 'tone-success-bg'],
  ['tone-warning-text', 'tone-warning-bg'],
  ['tone-danger-text', 'tone-danger-bg'],
];

describe('design tokens', () => {
  it('computes contrast as WCAG does (black on white is 21:1)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it.each(PAIRS)('--%s on --%s meets WCAG AA (4.5:1)', (text, background) => {
    expect(contrast(token(text), token(background))).toBeGreaterThanOrEqual(4.5);
  });

  it('white button text on the accent meets WCAG AA', () => {
    expect(contrast('#ffffff', token('accent'))).toBeGreaterThanOrEqual(4.5);
  });
});
