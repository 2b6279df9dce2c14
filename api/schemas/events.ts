/** Schemas of events (trigger occurrences) and dispatch results. */
import { Type } from 'typebox';
import { JsonValue, PageQuery, ProjectRef, Timestamp } from './common.js';

export const EVENT_TYPES = ['webhook', 'schedule', 'manual', 'connection'] as const;
export const EVENT_STATUSES = ['received', 'dispatched', 'filtered', 'not-dispatched'] as const;

export const DispatchResult = Type.Object({
  eventId: Type.String(),
  status: Type.String({ description: 'dispatched, filtered or not-dispatched (received while in flight)' }),
  sessionId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String({ description: 'Why it was filtered or not dispatched' })),
});

export const EventSummary = Type.Object({
  eventId: Type.String(),
  projectId: Type.String(),
  type: Type.String({ description: EVENT_TYPES.join(', ') }),
  triggerId: Type.Optional(Type.String()),
  triggerName: Type.Optional(Type.String()),
  deploymentId: Type.Optional(Type.String()),
  entry: Type.Optional(Type.String()),
  redispatchOf: Type.Optional(Type.String()),
  time: Timestamp,
  status: Type.String({ description: EVENT_STATUSES.join(', ') }),
  sessionId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});

export const EventDetail = Type.Object({
  ...EventSummary.properties,
  data: JsonValue,
});

export const EventPage = Type.Object({
  events: Type.Array(EventSummary),
  total: Type.Integer({ description: 'Matches across all pages' }),
  nextCursor: Type.Optional(Type.String()),
});

export const ListEventsQuery = Type.Object({
  project: Type.Optional(ProjectRef),
  triggerId: Type.Optional(Type.String({ maxLength: 100 })),
  type: Type.Optional(Type.Enum([...EVENT_TYPES])),
  status: Type.Optional(Type.Enum([...EVENT_STATUSES])),
  ...PageQuery,
});
