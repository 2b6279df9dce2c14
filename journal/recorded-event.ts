import { decodeValue } from './codec.js';
import type { RecordedEvent } from './types.js';

/** Builds a `RecordedEvent` with freshly decoded values. */
export function toRecordedEvent(
  fields: {
    id: string;
    stream: string;
    type: string;
    revision: number;
    position: number;
    recordedAt: number;
  },
  data: Uint8Array,
  metadata: Uint8Array | undefined,
): RecordedEvent {
  return {
    id: fields.id,
    stream: fields.stream,
    type: fields.type,
    data: decodeValue(data),
    metadata: metadata === undefined ? undefined : (decodeValue(metadata) as Record<string, unknown>),
    revision: fields.revision,
    position: fields.position,
    recordedAt: fields.recordedAt,
  };
}
