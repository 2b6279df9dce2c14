/** Schemas of session statistics. */
import { Type } from 'typebox';
import { Timestamp } from './common.js';

const Percentiles = Type.Object({
  count: Type.Integer(),
  p50: Type.Optional(Type.Number()),
  p95: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
});

export const SessionStats = Type.Object({
  total: Type.Integer(),
  byStatus: Type.Record(Type.String(), Type.Integer()),
  successRate: Type.Optional(Type.Number({ description: 'completed / ended' })),
  failureRate: Type.Optional(Type.Number({ description: 'failed / ended' })),
  durationMs: Percentiles,
  startDelayMs: Percentiles,
  series: Type.Array(
    Type.Object({
      start: Timestamp,
      started: Type.Integer(),
      completed: Type.Integer(),
      failed: Type.Integer(),
      stopped: Type.Integer(),
    }),
  ),
});
