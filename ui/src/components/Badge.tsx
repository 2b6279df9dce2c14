import type { ReactNode } from 'react';
import type { Tone } from '../lib/index.js';
import { stateLabel, toneOf } from '../lib/index.js';
import styles from './Badge.module.css';

export function Badge({
  tone = 'neutral',
  dot = false,
  live = false,
  children,
}: {
  tone?: Tone;
  dot?: boolean;
  live?: boolean;
  children: ReactNode;
}) {
  return (
    <span className={[styles.badge, styles[tone], live ? styles.live : ''].join(' ')}>
      {dot && <span className={styles.dot} aria-hidden="true" />}
      {children}
    </span>
  );
}

const LIVE_STATES = new Set(['running', 'waiting', 'retrying', 'pending', 'draining', 'cancelling']);

/** A state (session, deployment, build, event, step) as a coloured badge with a dot. */
export function StatusBadge({ state }: { state: string }) {
  return (
    <Badge tone={toneOf(state)} dot live={LIVE_STATES.has(state)}>
      <span data-state={state}>{stateLabel(state)}</span>
    </Badge>
  );
}
