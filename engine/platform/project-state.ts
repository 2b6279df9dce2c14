/**
 * The read model of one project, folded from its stream (pure, like the session reducer).
 */
import type { BuildDiagnostic } from '../../sandbox/index.js';
import type { ManifestDiagnostic, ProjectConfig } from './manifest/index.js';
import type { DeployedTrigger, DeploymentState, ProjectEvent } from './model.js';
import type { EncryptedSecret } from './secret-box.js';

export interface VariableRecord {
  name: string;
  secret: boolean;
  value?: string;
  encrypted?: EncryptedSecret;
  updatedAt: number;
}

export type BuildStatus = 'succeeded' | 'failed';

export interface BuildRecord {
  buildId: string;
  projectId: string;
  status: BuildStatus;
  hash?: string;
  sourcesHash: string;
  config?: ProjectConfig;
  diagnostics: (BuildDiagnostic | ManifestDiagnostic)[];
  createdAt: number;
  durationMs: number;
}

export interface DeploymentRecord {
  deploymentId: string;
  projectId: string;
  buildId: string;
  state: DeploymentState;
  triggers: DeployedTrigger[];
  createdAt: number;
  updatedAt: number;
  /** Why it is in its state. */
  reason: string;
}

export interface ProjectState {
  projectId: string;
  name: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
  revision: number;
  config?: ProjectConfig;
  triggerIds: Record<string, { triggerId: string; slug?: string }>;
  sourcesHash?: string;
  variables: Map<string, VariableRecord>;
  builds: Map<string, BuildRecord>;
  deployments: Map<string, DeploymentRecord>;
}

export function applyProjectEvent(
  state: ProjectState | undefined,
  event: ProjectEvent,
  revision: number,
): ProjectState {
  if (event.type === 'ProjectCreated') {
    const d = event.data;
    return {
      projectId: d.projectId,
      name: d.name,
      ...(d.description !== undefined ? { description: d.description } : {}),
      createdAt: d.time,
      updatedAt: d.time,
      deleted: false,
      revision,
      triggerIds: {},
      variables: new Map(),
      builds: new Map(),
      deployments: new Map(),
    };
  }
  if (state === undefined)
    throw new Error(`project journal does not start with ProjectCreated (found ${event.type})`);
  state.revision = revision;
  state.updatedAt = event.data.time;
  switch (event.type) {
    case 'ConfigApplied': {
      const d = event.data;
      state.config = d.config;
      state.triggerIds = d.triggers;
      state.sourcesHash = d.sourcesHash;
      state.name = d.config.project.name;
      if (d.config.project.description !== undefined) state.description = d.config.project.description;
      else delete state.description;
      break;
    }
    case 'VariableSet': {
      const d = event.data;
      const record: VariableRecord = { name: d.name, secret: d.secret, updatedAt: d.time };
      if (d.value !== undefined) record.value = d.value;
      if (d.encrypted !== undefined) record.encrypted = d.encrypted;
      state.variables.set(d.name, record);
      break;
    }
    case 'VariableDeleted':
      state.variables.delete(event.data.name);
      break;
    case 'BuildSucceeded': {
      const d = event.data;
      state.builds.set(d.buildId, {
        buildId: d.buildId,
        projectId: state.projectId,
        status: 'succeeded',
        hash: d.hash,
        sourcesHash: d.sourcesHash,
        config: d.config,
        diagnostics: d.warnings,
        createdAt: d.time,
        durationMs: d.durationMs,
      });
      break;
    }
    case 'BuildFailed': {
      const d = event.data;
      state.builds.set(d.buildId, {
        buildId: d.buildId,
        projectId: state.projectId,
        status: 'failed',
        sourcesHash: d.sourcesHash,
        diagnostics: d.diagnostics,
        createdAt: d.time,
        durationMs: d.durationMs,
      });
      break;
    }
    case 'DeploymentCreated': {
      const d = event.data;
      state.deployments.set(d.deploymentId, {
        deploymentId: d.deploymentId,
        projectId: state.projectId,
        buildId: d.buildId,
        state: d.state,
        triggers: d.triggers,
        createdAt: d.time,
        updatedAt: d.time,
        reason: d.state === 'testing' ? 'created for testing' : 'created',
      });
      break;
    }
    case 'DeploymentStateChanged': {
      const deployment = state.deployments.get(event.data.deploymentId);
      if (deployment !== undefined) {
        deployment.state = event.data.state;
        deployment.reason = event.data.reason;
        deployment.updatedAt = event.data.time;
      }
      break;
    }
    case 'DeploymentDeleted':
      state.deployments.delete(event.data.deploymentId);
      break;
    case 'ProjectDeleted':
      state.deleted = true;
      break;
  }
  return state;
}

export function activeDeployment(state: ProjectState): DeploymentRecord | undefined {
  for (const deployment of state.deployments.values()) if (deployment.state === 'active') return deployment;
  return undefined;
}
