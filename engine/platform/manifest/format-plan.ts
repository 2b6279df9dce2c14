/**
 * `formatPlan`: a plan for people, terraform-style.
 *
 *     Plan for project "hello-world": 2 to create, 1 to change, 1 to remove.
 *
 *     + var GITHUB_TOKEN (secret)
 *     ~ var GREETING: "a" → "b"
 *     + trigger nightly: schedule "0 3 * * *" (Europe/Paris) → jobs.ts:nightly
 *     - connection old
 */
import { formatDuration } from './describe.js';
import type { FieldChange, Plan, PlanChange } from './plan.js';
import type { ConnectionConfig, TriggerConfig, VariableConfig } from './types.js';

const SYMBOL = { create: '+', update: '~', replace: '-/+', delete: '-' } as const;
/** Normalised field names → the names written in whisker.yaml. */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  'webhook.timeoutMs': 'webhook.timeout',
  eventType: 'event_type',
};
const MAX_VALUE_LENGTH = 80;

export function formatPlan(plan: Plan): string {
  if (plan.changes.length === 0) return `No changes: project "${plan.project}" matches the manifest.\n`;
  const { create, update, replace, delete: remove } = plan.summary;
  const counts = [
    `${create} to create`,
    `${update} to change`,
    ...(replace > 0 ? [`${replace} to replace`] : []),
    `${remove} to remove`,
  ];
  const lines = [`Plan for project "${plan.project}": ${counts.join(', ')}.`, ''];
  for (const change of plan.changes) lines.push(...formatChange(change));
  return `${lines.join('\n')}\n`;
}

function formatChange(change: PlanChange): string[] {
  const head = `${SYMBOL[change.action]} ${change.kind} ${change.name}`;
  switch (change.action) {
    case 'create':
      return [`${head}${describeCreated(change)}`];
    case 'delete':
      return [`${head}${change.kind === 'var' && change.before?.secret === true ? ' (secret)' : ''}`];
    case 'replace': {
      const reason = change.fields.find((field) => field.field === 'type' || field.field === 'integration');
      const why = reason === undefined ? '' : `: ${formatField(reason)}`;
      return [`${head}${why} (replaced)`, ...indentOthers(change.fields, reason)];
    }
    case 'update': {
      const [only] = change.fields;
      if (change.fields.length === 1 && only !== undefined) {
        if (change.kind === 'var' && only.field === 'value') {
          return [`${head}: ${only.redacted === true ? 'value (secret)' : formatTransition(only)}`];
        }
        return [`${head}: ${formatField(only)}`];
      }
      return [head, ...indentOthers(change.fields, undefined)];
    }
  }
}

function indentOthers(fields: readonly FieldChange[], except: FieldChange | undefined): string[] {
  return fields.filter((field) => field !== except).map((field) => `    ${formatField(field)}`);
}

function formatField(field: FieldChange): string {
  const name = DISPLAY_NAMES[field.field] ?? field.field;
  return field.redacted === true ? `${name}: (secret)` : `${name} ${formatTransition(field)}`;
}

function formatTransition(field: FieldChange): string {
  if (field.redacted === true) return '(secret)';
  return `${formatValue(field.field, field.from)} → ${formatValue(field.field, field.to)}`;
}

function formatValue(field: string, value: unknown): string {
  if (value === undefined) return '(unset)';
  if (field.endsWith('Ms') && typeof value === 'number') return formatDuration(value);
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}

function describeCreated(change: PlanChange): string {
  switch (change.kind) {
    case 'project':
      return '';
    case 'var':
      return describeVariable(change.after);
    case 'connection':
      return describeConnection(change.after);
    case 'trigger':
      return describeTrigger(change.after);
  }
}

function describeVariable(variable: VariableConfig | undefined): string {
  if (variable === undefined) return '';
  if (variable.secret) return ' (secret)';
  return variable.value === undefined ? ' (no value)' : ` = ${formatValue('value', variable.value)}`;
}

function describeConnection(connection: ConnectionConfig | undefined): string {
  return connection === undefined ? '' : ` (integration ${connection.integration})`;
}

function describeTrigger(trigger: TriggerConfig | undefined): string {
  if (trigger === undefined) return '';
  const filter = trigger.filter === undefined ? '' : ` if ${formatValue('filter', trigger.filter)}`;
  switch (trigger.type) {
    case 'webhook':
      return `: webhook${trigger.webhook.sync ? ' (sync)' : ''}${filter} → ${trigger.call}`;
    case 'schedule':
      return `: schedule ${JSON.stringify(trigger.schedule)} (${trigger.timezone})${filter} → ${trigger.call}`;
    case 'manual':
      return `: manual${filter} → ${trigger.call}`;
    case 'connection': {
      const events = trigger.eventType === undefined ? '' : ` ${trigger.eventType}`;
      return `: connection ${trigger.connection}${events}${filter} → ${trigger.call}`;
    }
  }
}
