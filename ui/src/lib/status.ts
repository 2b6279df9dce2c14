/** Session, deployment, build and event states: their display label and colour tone. */
import type { Tone } from './timeline.js';

export const SESSION_STATES = [
  'created',
  'running',
  'waiting',
  'completed',
  'failed',
  'stopped',
  'parked',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const FINAL_SESSION_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

const TONES: Record<string, Tone> = {
  // sessions
  created: 'neutral',
  running: 'info',
  waiting: 'warning',
  completed: 'success',
  failed: 'danger',
  stopped: 'neutral',
  parked: 'danger',
  // deployments
  active: 'success',
  draining: 'warning',
  inactive: 'neutral',
  testing: 'info',
  // builds
  succeeded: 'success',
  // events
  received: 'neutral',
  dispatched: 'success',
  filtered: 'neutral',
  'not-dispatched': 'warning',
  // activities, timers, children
  retrying: 'warning',
  cancelling: 'warning',
  pending: 'warning',
  fired: 'success',
  cancelled: 'neutral',
};

export function toneOf(state: string): Tone {
  return TONES[state] ?? 'neutral';
}

export function isFinalSessionState(state: string): boolean {
  return FINAL_SESSION_STATES.has(state);
}

/** `not-dispatched` → `not dispatched`. */
export function stateLabel(state: string): string {
  return state.replace(/-/g, ' ');
}
