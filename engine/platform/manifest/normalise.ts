/**
 * Document (as written, schema-valid) → `Manifest` (defaults filled, durations in ms, camelCase,
 * optional fields absent rather than null). A secret variable's value is never carried over.
 */
import { parseDuration } from '../../../common/index.js';
import { canonicalPattern } from './cron.js';
import type { ManifestDocument, TriggerDocument } from './schema.js';
import {
  DEFAULT_SIGNATURE_ALGORITHM,
  DEFAULT_SIGNATURE_ENCODING,
  DEFAULT_TIMEZONE,
  WEBHOOK_DEFAULT_TIMEOUT_MS,
} from './types.js';
import type {
  ConnectionConfig,
  Manifest,
  TriggerBase,
  TriggerConfig,
  VariableConfig,
  WebhookSignature,
} from './types.js';

export function normaliseManifest(document: ManifestDocument): Manifest {
  return {
    version: 1,
    project: withOptional({ name: document.project.name }, { description: document.project.description }),
    vars: (document.vars ?? []).map((variable): VariableConfig => {
      const secret = variable.secret ?? false;
      return withOptional(
        { name: variable.name, secret },
        { value: secret ? undefined : variable.value, description: variable.description },
      );
    }),
    connections: (document.connections ?? []).map((connection): ConnectionConfig =>
      withOptional(
        {
          name: connection.name,
          integration: connection.integration,
          config: { ...(connection.config ?? {}) },
        },
        { description: connection.description },
      ),
    ),
    triggers: (document.triggers ?? []).map(normaliseTrigger),
  };
}

function normaliseTrigger(trigger: TriggerDocument): TriggerConfig {
  const base: TriggerBase = withOptional(
    { name: trigger.name, call: trigger.call },
    { filter: trigger.filter, description: trigger.description },
  );
  switch (trigger.type) {
    case 'webhook': {
      const options = trigger.webhook ?? {};
      return {
        ...base,
        type: 'webhook',
        webhook: withOptional(
          {
            sync: options.sync ?? false,
            timeoutMs:
              options.timeout === undefined
                ? WEBHOOK_DEFAULT_TIMEOUT_MS
                : parseDuration(options.timeout, `triggers.${trigger.name}.webhook.timeout`),
          },
          { signature: options.signature === undefined ? undefined : normaliseSignature(options.signature) },
        ),
      };
    }
    case 'schedule':
      return {
        ...base,
        type: 'schedule',
        schedule: canonicalPattern(trigger.schedule),
        timezone: trigger.timezone ?? DEFAULT_TIMEZONE,
      };
    case 'manual':
      return { ...base, type: 'manual' };
    case 'connection':
      return withOptional(
        { ...base, type: 'connection' as const, connection: trigger.connection },
        { eventType: trigger.event_type },
      );
  }
}

type SignatureDocument = NonNullable<
  NonNullable<Extract<TriggerDocument, { type: 'webhook' }>['webhook']>['signature']
>;

function normaliseSignature(signature: SignatureDocument): WebhookSignature {
  if (signature.type !== 'hmac') return { type: signature.type, secret: signature.secret };
  return withOptional(
    {
      type: 'hmac' as const,
      secret: signature.secret,
      header: signature.header,
      algorithm: signature.algorithm ?? DEFAULT_SIGNATURE_ALGORITHM,
      encoding: signature.encoding ?? DEFAULT_SIGNATURE_ENCODING,
    },
    { prefix: signature.prefix },
  );
}

/** `required` plus the optional fields that are defined (an absent field is absent, not undefined). */
function withOptional<Required extends object, Optional extends object>(
  required: Required,
  optional: Optional,
): Required & { [K in keyof Optional]?: Exclude<Optional[K], undefined> } {
  const out: Record<string, unknown> = { ...(required as Record<string, unknown>) };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
  return out as Required & { [K in keyof Optional]?: Exclude<Optional[K], undefined> };
}
