/**
 * The normalised manifest: what the platform works with once `whisker.yaml` is parsed.
 * Defaults are filled in, durations are milliseconds, names are camelCase, and an optional
 * field that was not given is absent (never `null`). Plain data: safe to journal and compare.
 */

export interface ProjectInfo {
  name: string;
  description?: string;
}

export interface VariableConfig {
  name: string;
  /** Default false. */
  secret: boolean;
  /**
   * The value given in the file. Absent when the file declares the variable without a value
   * (it is then set through the API or CLI), and always absent for a secret.
   */
  value?: string;
  description?: string;
}

export interface ConnectionConfig {
  name: string;
  integration: string;
  description?: string;
  /** Integration-specific settings; `{}` when not given. */
  config: Record<string, unknown>;
}

/** Fields every trigger has. */
export interface TriggerBase {
  name: string;
  /** `file:function`, e.g. `handlers.ts:onHello` (see `parseCall`). */
  call: string;
  /** CEL expression over `event`; absent = every event matches. */
  filter?: string;
  description?: string;
}

export type SignatureAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/** GitHub `X-Hub-Signature-256` or Slack signing-secret verification. */
export interface ProviderSignature {
  type: 'github' | 'slack';
  /** Name of the secret variable holding the signing key. */
  secret: string;
}

/** A generic HMAC of the raw body in a header. */
export interface HmacSignature {
  type: 'hmac';
  secret: string;
  header: string;
  /** Default `sha256`. */
  algorithm: SignatureAlgorithm;
  /** Default `hex`. */
  encoding: SignatureEncoding;
  /** Text before the signature, e.g. `sha256=`. */
  prefix?: string;
}

export type WebhookSignature = ProviderSignature | HmacSignature;

export interface WebhookOptions {
  /** The HTTP caller waits for the response the session sets. Default false. */
  sync: boolean;
  /** How long a synchronous caller waits. Default 30 000 (30 s); at most 300 000 (5 min). */
  timeoutMs: number;
  signature?: WebhookSignature;
}

export interface WebhookTriggerConfig extends TriggerBase {
  type: 'webhook';
  webhook: WebhookOptions;
}

export interface ScheduleTriggerConfig extends TriggerBase {
  type: 'schedule';
  /** Cron expression, trimmed with single spaces: 5 or 6 fields, or a nickname such as `@daily` (lower case). */
  schedule: string;
  /** IANA time zone. Default `UTC`. */
  timezone: string;
}

export interface ManualTriggerConfig extends TriggerBase {
  type: 'manual';
}

export interface ConnectionTriggerConfig extends TriggerBase {
  type: 'connection';
  connection: string;
  /** Only events of this type; absent = all events of the connection. */
  eventType?: string;
}

export type TriggerConfig =
  WebhookTriggerConfig | ScheduleTriggerConfig | ManualTriggerConfig | ConnectionTriggerConfig;

export type TriggerType = TriggerConfig['type'];

export interface Manifest {
  version: 1;
  project: ProjectInfo;
  vars: VariableConfig[];
  connections: ConnectionConfig[];
  triggers: TriggerConfig[];
}

/**
 * A project's current configuration, as the platform stores it: the normalised manifest that
 * was last applied. Secret variables never carry a value here (secret values live in the
 * encrypted secret store); a non-secret variable's `value` is its current value.
 */
export type ProjectConfig = Manifest;

/** Defaults, in one place. */
export const WEBHOOK_DEFAULT_TIMEOUT_MS = 30_000;
export const WEBHOOK_MAX_TIMEOUT_MS = 300_000;
export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_SIGNATURE_ALGORITHM: SignatureAlgorithm = 'sha256';
export const DEFAULT_SIGNATURE_ENCODING: SignatureEncoding = 'hex';
/** Largest manifest accepted, in bytes (UTF-8) or characters for text. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
