/** Errors of the platform model (projects, builds, deployments, triggers, events, variables). */
import { WhiskerError } from '../../common/index.js';
import type { BuildDiagnostic } from '../../sandbox/index.js';
import type { ManifestDiagnostic } from './manifest/index.js';

export class ProjectNotFoundError extends WhiskerError {
  constructor(readonly project: string) {
    super(
      'PROJECT_NOT_FOUND',
      `project ${JSON.stringify(project)} does not exist (list projects to see them)`,
    );
  }
}

export class ProjectExistsError extends WhiskerError {
  constructor(
    readonly projectName: string,
    readonly projectId: string,
  ) {
    super(
      'PROJECT_EXISTS',
      `a project named ${JSON.stringify(projectName)} already exists (${projectId}); apply to it instead`,
    );
  }
}

/** The manifest or the code has errors; `diagnostics` lists every one with file, line and path. */
export class ProjectInvalidError extends WhiskerError {
  constructor(
    readonly diagnostics: (ManifestDiagnostic | BuildDiagnostic)[],
    what: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    super(
      'PROJECT_INVALID',
      `${what}: ${errors.length} error${errors.length === 1 ? '' : 's'}${first === undefined ? '' : `, first: ${describe(first)}`}`,
    );
  }
}

function describe(d: ManifestDiagnostic | BuildDiagnostic): string {
  const where =
    d.file === undefined
      ? ''
      : `${d.file}${d.line === undefined ? '' : `:${d.line}${d.column === undefined ? '' : `:${d.column}`}`} `;
  return `${where}${d.message}`;
}

export class BuildRecordNotFoundError extends WhiskerError {
  constructor(readonly buildId: string) {
    super('BUILD_NOT_FOUND', `build ${buildId} does not exist`);
  }
}

export class DeploymentNotFoundError extends WhiskerError {
  constructor(readonly deploymentId: string) {
    super('DEPLOYMENT_NOT_FOUND', `deployment ${deploymentId} does not exist`);
  }
}

export class InvalidDeploymentStateError extends WhiskerError {
  constructor(
    readonly deploymentId: string,
    readonly state: string,
    operation: string,
    hint: string,
  ) {
    super(
      'INVALID_DEPLOYMENT_STATE',
      `cannot ${operation} deployment ${deploymentId}: it is ${state}; ${hint}`,
    );
  }
}

export class BuildNotDeployableError extends WhiskerError {
  constructor(
    readonly buildId: string,
    reason: string,
  ) {
    super('BUILD_NOT_DEPLOYABLE', `build ${buildId} cannot be deployed: ${reason}`);
  }
}

export class TriggerNotFoundError extends WhiskerError {
  constructor(readonly trigger: string) {
    super('TRIGGER_NOT_FOUND', `trigger ${JSON.stringify(trigger)} does not exist`);
  }
}

export class WebhookNotFoundError extends WhiskerError {
  constructor() {
    // Never echo the slug: it is the webhook's only secret.
    super('WEBHOOK_NOT_FOUND', 'no webhook trigger at this address');
  }
}

export class WebhookSignatureError extends WhiskerError {
  constructor(readonly reason: string) {
    super('WEBHOOK_SIGNATURE_INVALID', `webhook signature rejected: ${reason}`);
  }
}

export class NoActiveDeploymentError extends WhiskerError {
  constructor(readonly projectId: string) {
    super(
      'NO_ACTIVE_DEPLOYMENT',
      `project ${projectId} has no active deployment; deploy it first (whisker deploy <dir>)`,
    );
  }
}

export class EventNotFoundError extends WhiskerError {
  constructor(readonly eventId: string) {
    super('EVENT_NOT_FOUND', `event ${eventId} does not exist`);
  }
}

export class VariableNotFoundError extends WhiskerError {
  constructor(
    readonly projectId: string,
    readonly variable: string,
  ) {
    super('VARIABLE_NOT_FOUND', `project ${projectId} has no variable ${JSON.stringify(variable)}`);
  }
}
