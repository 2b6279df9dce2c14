/**
 * `planManifest`: what applying a manifest to a project would do, like `terraform plan`.
 * Resources are matched by name. The plan is data the integrator applies change by change
 * (each carries the complete `after` configuration), in the order given, which is safe to apply:
 * the project, variables and connections a trigger may need come before the triggers, and
 * removals of what triggers may use come after them.
 *
 * Secret values never appear: variable configurations in a plan carry no value for a secret,
 * and a change of a secret's value is a field marked `redacted` without from/to.
 */
import type {
  ConnectionConfig,
  Manifest,
  ProjectConfig,
  ProjectInfo,
  TriggerConfig,
  VariableConfig,
} from './types.js';

export type PlanAction = 'create' | 'update' | 'replace' | 'delete';

/** One field that changes; `from`/`to` absent = unset. Paths use the normalised names (`webhook.timeoutMs`). */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
  /** A secret's value: what it was and becomes is not shown. */
  redacted?: true;
}

interface ResourceChange<Kind extends string, Config> {
  kind: Kind;
  action: PlanAction;
  name: string;
  /** The configuration now (absent for `create`). */
  before?: Config;
  /** The configuration after applying (absent for `delete`). */
  after?: Config;
  /** For `update` and `replace`: the fields that differ. */
  fields: FieldChange[];
}

export type ProjectChange = ResourceChange<'project', ProjectInfo>;
export type VariableChange = ResourceChange<'var', VariableConfig>;
export type ConnectionChange = ResourceChange<'connection', ConnectionConfig>;
export type TriggerChange = ResourceChange<'trigger', TriggerConfig>;
export type PlanChange = ProjectChange | VariableChange | ConnectionChange | TriggerChange;
export type PlanResourceKind = PlanChange['kind'];

export interface Plan {
  /** The project's name in the manifest. */
  project: string;
  /** True when there is no current configuration (a new project). */
  newProject: boolean;
  /** In a safe order to apply. */
  changes: PlanChange[];
  summary: Record<PlanAction, number>;
  /** The configuration once applied (secret values are never part of it). */
  desired: ProjectConfig;
}

export function planManifest(current: ProjectConfig | undefined, desired: Manifest): Plan {
  const changes: PlanChange[] = [];
  const projectChange = diffProject(current?.project, desired.project);
  if (projectChange !== undefined) changes.push(projectChange);

  const vars = diffByName(
    'var',
    current?.vars ?? [],
    desired.vars,
    diffVariable,
    () => false,
    redactVariable,
  );
  const connections = diffByName(
    'connection',
    current?.connections ?? [],
    desired.connections,
    diffFields,
    (before, after) => before.integration !== after.integration,
  );
  const triggers = diffByName(
    'trigger',
    current?.triggers ?? [],
    desired.triggers,
    diffFields,
    (before, after) => before.type !== after.type,
  );

  changes.push(...vars.upserts, ...connections.upserts, ...triggers.deletes, ...triggers.upserts);
  changes.push(...connections.deletes, ...vars.deletes);

  const summary: Record<PlanAction, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of changes) summary[change.action]++;
  return {
    project: desired.project.name,
    newProject: current === undefined,
    changes,
    summary,
    desired: { ...desired, vars: desired.vars.map(redactVariable) },
  };
}

export function isPlanEmpty(plan: Plan): boolean {
  return plan.changes.length === 0;
}

function diffProject(before: ProjectInfo | undefined, after: ProjectInfo): ProjectChange | undefined {
  if (before === undefined) return { kind: 'project', action: 'create', name: after.name, after, fields: [] };
  const fields: FieldChange[] = [];
  if (before.name !== after.name) fields.push(change('name', before.name, after.name));
  if (before.description !== after.description) {
    fields.push(change('description', before.description, after.description));
  }
  if (fields.length === 0) return undefined;
  return { kind: 'project', action: 'update', name: after.name, before, after, fields };
}

function diffByName<Kind extends PlanResourceKind, Config extends { name: string }>(
  kind: Kind,
  current: readonly Config[],
  desired: readonly Config[],
  diff: (before: Config, after: Config) => FieldChange[],
  mustReplace: (before: Config, after: Config) => boolean,
  redact: (config: Config) => Config = (config) => config,
): { upserts: ResourceChange<Kind, Config>[]; deletes: ResourceChange<Kind, Config>[] } {
  const currentByName = new Map<string, Config>();
  for (const config of current) if (!currentByName.has(config.name)) currentByName.set(config.name, config);
  const desiredNames = new Set(desired.map((config) => config.name));
  const upserts: ResourceChange<Kind, Config>[] = [];
  const seen = new Set<string>();
  for (const config of desired) {
    if (seen.has(config.name)) continue; // duplicate names are a lint error; plan the first
    seen.add(config.name);
    const before = currentByName.get(config.name);
    const after = redact(config);
    if (before === undefined) {
      upserts.push({ kind, action: 'create', name: config.name, after, fields: [] });
      continue;
    }
    const fields = diff(before, config);
    if (fields.length === 0) continue;
    const action = mustReplace(before, config) ? 'replace' : 'update';
    upserts.push({ kind, action, name: config.name, before: redact(before), after, fields });
  }
  const deletes = current
    .filter((config) => !desiredNames.has(config.name))
    .map((config): ResourceChange<Kind, Config> => ({
      kind,
      action: 'delete',
      name: config.name,
      before: redact(config),
      fields: [],
    }));
  return { upserts, deletes };
}

/**
 * A variable's value is compared only when the manifest gives one: a variable declared without
 * a value keeps whatever value was set through the API. A secret's value is never shown.
 */
function diffVariable(before: VariableConfig, after: VariableConfig): FieldChange[] {
  const fields: FieldChange[] = [];
  if (before.secret !== after.secret) fields.push({ field: 'secret', from: before.secret, to: after.secret });
  if (before.description !== after.description) {
    fields.push(change('description', before.description, after.description));
  }
  if (after.value !== undefined && after.value !== before.value) {
    fields.push(
      before.secret || after.secret
        ? { field: 'value', redacted: true }
        : change('value', before.value, after.value),
    );
  }
  return fields;
}

function redactVariable(variable: VariableConfig): VariableConfig {
  if (!variable.secret || variable.value === undefined) return variable;
  const { value: _secretValue, ...rest } = variable;
  return rest;
}

/** Field-level differences of two configurations (nested objects by dotted path; arrays as wholes). */
function diffFields(before: object, after: object): FieldChange[] {
  const left = flatten(before);
  const right = flatten(after);
  const fields: FieldChange[] = [];
  for (const field of new Set([...left.keys(), ...right.keys()])) {
    const from = left.get(field);
    const to = right.get(field);
    if (!sameValue(from, to)) fields.push(change(field, from, to));
  }
  return fields;
}

function change(field: string, from: unknown, to: unknown): FieldChange {
  const out: FieldChange = { field };
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}

function flatten(value: object, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, item] of Object.entries(value)) {
    if (key === 'name' && prefix === '') continue; // matched by name
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isPlainRecord(item))
      flatten(item, path, out); // an empty mapping is the same as none
    else if (item !== undefined) out.set(path, item);
  }
  return out;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value, (_key, item: unknown) =>
    isPlainRecord(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
