/**
 * The sessions table's filters and page position, kept in the URL's query string so a filtered
 * view can be bookmarked, shared and reloaded, and mapped to the API's list query.
 */
import { SESSION_STATES } from './status.js';

export interface SessionFilters {
  /** Project id. */
  project?: string;
  /** Deployment id. */
  deployment?: string;
  state?: string;
  entry?: string;
  /** `datetime-local` values (`2025-11-22T08:30`), in the viewer's time zone. */
  from?: string;
  to?: string;
}

const KEYS = ['project', 'deployment', 'state', 'entry', 'from', 'to'] as const;

export function filtersFromSearch(params: URLSearchParams): SessionFilters {
  const filters: SessionFilters = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (value === undefined || value === '') continue;
    if (key === 'state' && !(SESSION_STATES as readonly string[]).includes(value)) continue;
    filters[key] = value;
  }
  return filters;
}

/** The query string for filters (cursor left out: changing a filter starts at the first page). */
export function searchFromFilters(filters: SessionFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== '') params.set(key, value);
  }
  return params;
}

/** Epoch ms of a `datetime-local` value, or undefined. */
export function localInputToMillis(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

export function hasFilters(filters: SessionFilters): boolean {
  return KEYS.some((key) => filters[key] !== undefined);
}
