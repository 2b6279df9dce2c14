/**
 * The platform: projects, their manifests and sources, builds, deployments, variables and
 * secrets — configure → build → deploy — on top of the durable session runtime. Every change is
 * an event in the project's stream; the state here is a projection, rebuilt on start.
 */
import { randomBytes } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../../journal/index.js';
import { hasErrorCode } from '../../common/index.js';
import type { BuildDiagnostic, BuildOptions, BuildResult } from '../../sandbox/index.js';
import { BuildWorkerFailedError } from '../../sandbox/index.js';
import { InvalidArgumentError } from '../errors.js';
import { newId } from '../ids.js';
import type { Engine } from '../runtime/engine.js';
import { Dispatcher } from './dispatcher.js';
import type { DeploymentSessionCounts, ListEventsOptions, WebhookRequest } from './dispatcher.js';
import {
  BuildNotDeployableError,
  BuildRecordNotFoundError,
  DeploymentNotFoundError,
  InvalidDeploymentStateError,
  ProjectExistsError,
  ProjectInvalidError,
  ProjectNotFoundError,
  TriggerNotFoundError,
  VariableNotFoundError,
} from './errors.js';
import type { ManifestDiagnostic, Plan, ProjectConfig } from './manifest/index.js';
import { hasErrors } from './manifest/diagnostics.js';
import { formatPlan } from './manifest/format-plan.js';
import { manifestTools } from './manifest/lazy.js';
import type { ManifestTools } from './manifest/lazy.js';
import { planManifest } from './manifest/plan.js';
import type { ConfigAppliedData, DeployedTrigger, ProjectEvent, SourcesStoredData } from './model.js';
import { PROJECT_STREAM_PREFIX, projectStream, sourcesStream } from './model.js';
import type { BuildRecord, DeploymentRecord, ProjectState } from './project-state.js';
import { activeDeployment, applyProjectEvent } from './project-state.js';
import { Redactor } from './redactor.js';
import type { SecretBox } from './secret-box.js';
import type { ProjectFiles } from './sources.js';
import { TOKENS_STREAM, TokenStore } from './tokens.js';
import {
  hashProjectFiles,
  materialize,
  readProjectDir,
  removeDir,
  textOf,
  validateProjectFiles,
} from './sources.js';

export const MANIFEST_FILE = 'whisker.yaml';

/** Project sources: a directory on this machine, or files (uploaded). */
export type SourcesInput = { dir: string } | { files: ProjectFiles };

export interface ProjectSummary {
  projectId: string;
  name: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
  activeDeploymentId?: string;
  sessions: DeploymentSessionCounts;
}

export interface TriggerInfo {
  triggerId: string;
  projectId: string;
  name: string;
  type: DeployedTrigger['type'];
  call: string;
  filter?: string;
  /** Webhooks: the path to call (`/webhooks/<slug>`). */
  webhookPath?: string;
  schedule?: string;
  timezone?: string;
  connection?: string;
  eventType?: string;
  /** Sync webhook settings / signature type, without secrets. */
  sync?: boolean;
  signature?: string;
}

export interface VariableInfo {
  name: string;
  secret: boolean;
  /** Non-secret variables only. */
  value?: string;
  /** Whether a value is set (the only thing shown of a secret). */
  isSet: boolean;
  /** Declared in the manifest. */
  declared: boolean;
  description?: string;
  updatedAt?: number;
}

export interface ProjectDetail extends ProjectSummary {
  config?: ProjectConfig;
  triggers: TriggerInfo[];
  variables: VariableInfo[];
  connections: ProjectConfig['connections'];
  builds: BuildRecord[];
  deployments: DeploymentRecord[];
  sourcesHash?: string;
}

export interface PlanResult {
  plan: Plan;
  /** Terraform-style text (`+ trigger nightly`). */
  text: string;
  diagnostics: ManifestDiagnostic[];
}

export interface DeployResult {
  project: ProjectDetail;
  plan: PlanResult;
  build: BuildRecord;
  deployment: DeploymentRecord;
}

export interface PlatformOptions {
  /** The key for secrets; throws when none is configured (only when a secret is used). */
  secrets: () => SecretBox;
  /** Type-check user code in builds (slower, catches more). Default true. */
  typecheck?: boolean;
  /** Runs a build: `buildProject`'s contract (the engine's build worker). */
  build: (dir: string, options: BuildOptions) => Promise<BuildResult>;
}

const PROJECT_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VARIABLE_BYTES = 64 * 1024;

export class Platform {
  readonly projects = new Map<string, ProjectState>();
  readonly dispatcher: Dispatcher;
  readonly tokens: TokenStore;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly buildIndex = new Map<string, string>();
  private readonly deploymentIndex = new Map<string, string>();

  constructor(
    readonly engine: Engine,
    readonly store: EventStore,
    readonly options: PlatformOptions,
  ) {
    this.dispatcher = new Dispatcher(this);
    this.tokens = new TokenStore(store);
  }

  // ------------------------------------------------------------------------------------------
  // Recovery

  /** Folds a journaled event of the platform's streams (called for every event on start). */
  recoverEvent(event: RecordedEvent): void {
    if (event.stream.startsWith(PROJECT_STREAM_PREFIX)) {
      this.foldProject(
        event.stream.slice(PROJECT_STREAM_PREFIX.length),
        event as unknown as ProjectEvent,
        event.revision,
      );
      return;
    }
    if (event.stream === TOKENS_STREAM) {
      this.tokens.recoverEvent(event);
      return;
    }
    this.dispatcher.recoverEvent(event);
  }

  /** After recovery: resume schedules, pending dispatches and drain checks. */
  async start(): Promise<void> {
    await this.dispatcher.start();
  }

  close(): void {
    this.dispatcher.close();
  }

  private foldProject(projectId: string, event: ProjectEvent, revision: number): ProjectState {
    const state = applyProjectEvent(this.projects.get(projectId), event, revision);
    this.projects.set(projectId, state);
    if (event.type === 'BuildSucceeded' || event.type === 'BuildFailed')
      this.buildIndex.set(event.data.buildId, projectId);
    if (event.type === 'DeploymentCreated') this.deploymentIndex.set(event.data.deploymentId, projectId);
    if (event.type === 'DeploymentDeleted') this.deploymentIndex.delete(event.data.deploymentId);
    return state;
  }

  /**
   * Appends to a project's stream, one writer at a time per project, with the expected revision
   * as the guard (another engine on a shared store loses cleanly), then folds the events.
   */
  async appendProject(
    projectId: string,
    make: (state: ProjectState | undefined) => ProjectEvent[],
  ): Promise<ProjectState> {
    return this.exclusive(projectId, async () => {
      const state = this.projects.get(projectId);
      const events = make(state);
      if (events.length === 0) {
        if (state === undefined) throw new ProjectNotFoundError(projectId);
        return state;
      }
      await this.store.append(
        projectStream(projectId),
        events.map((e) => ({ type: e.type, data: e.data })),
        { expectedRevision: state === undefined ? 'no-stream' : state.revision },
      );
      let folded = state;
      let revision = state === undefined ? 0 : state.revision + 1;
      for (const event of events) folded = this.foldProject(projectId, event, revision++);
      return folded as ProjectState;
    });
  }

  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Projects

  requireProject(idOrName: string): ProjectState {
    if (typeof idOrName !== 'string' || idOrName === '')
      throw new InvalidArgumentError('project', 'must be a project id or name');
    const byId = this.projects.get(idOrName);
    if (byId !== undefined && !byId.deleted) return byId;
    for (const project of this.projects.values())
      if (!project.deleted && project.name === idOrName) return project;
    throw new ProjectNotFoundError(idOrName);
  }

  findProjectByName(name: string): ProjectState | undefined {
    for (const project of this.projects.values())
      if (!project.deleted && project.name === name) return project;
    return undefined;
  }

  /**
   * Creates a project. With sources, their manifest is linted and applied at once (the project's
   * name comes from the manifest unless given).
   */
  async createProject(options: {
    name?: string;
    description?: string;
    sources?: SourcesInput;
  }): Promise<ProjectDetail> {
    const files = options.sources === undefined ? undefined : await this.loadSources(options.sources);
    // Loaded before the checks below, so no await falls between the name check and the append.
    const tools = files === undefined ? undefined : await manifestTools();
    let name = options.name;
    if (files !== undefined && tools !== undefined) {
      const manifestName = this.parseForName(tools, files);
      name ??= manifestName;
    }
    if (name === undefined)
      throw new InvalidArgumentError('name', 'a project needs a name (or sources with a whisker.yaml)');
    if (!PROJECT_NAME.test(name)) {
      throw new InvalidArgumentError(
        'name',
        `${JSON.stringify(name)} is not a project name: lower-case letters, digits and dashes, starting with a letter`,
      );
    }
    const existing = this.findProjectByName(name);
    if (existing !== undefined) throw new ProjectExistsError(name, existing.projectId);
    if (files !== undefined && tools !== undefined) this.checkSources(tools, files, name);
    const projectId = newId('project');
    await this.appendProject(projectId, () => [
      {
        type: 'ProjectCreated',
        data: {
          projectId,
          name,
          time: Date.now(),
          ...(options.description !== undefined ? { description: options.description } : {}),
        },
      },
    ]);
    if (files !== undefined) await this.applyFiles(projectId, files, name);
    return this.projectDetail(projectId);
  }

  listProjects(): ProjectSummary[] {
    return [...this.projects.values()]
      .filter((p) => !p.deleted)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => this.projectSummary(p));
  }

  projectDetail(idOrName: string): ProjectDetail {
    const project = this.requireProject(idOrName);
    const config = project.config;
    const detail: ProjectDetail = {
      ...this.projectSummary(project),
      triggers: this.triggersOf(project),
      variables: this.variablesOf(project),
      connections: config?.connections ?? [],
      builds: [...project.builds.values()].sort((a, b) => b.createdAt - a.createdAt),
      deployments: [...project.deployments.values()].sort((a, b) => b.createdAt - a.createdAt),
    };
    if (config !== undefined) detail.config = config;
    if (project.sourcesHash !== undefined) detail.sourcesHash = project.sourcesHash;
    return detail;
  }

  private projectSummary(project: ProjectState): ProjectSummary {
    const active = activeDeployment(project);
    const summary: ProjectSummary = {
      projectId: project.projectId,
      name: project.name,
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
      sessions: this.dispatcher.sessionCounts({ projectId: project.projectId }),
    };
    if (project.description !== undefined) summary.description = project.description;
    if (active !== undefined) summary.activeDeploymentId = active.deploymentId;
    return summary;
  }

  /** Deletes a project with no active or draining deployment. Its sessions and events stay listed. */
  async deleteProject(idOrName: string): Promise<void> {
    const project = this.requireProject(idOrName);
    await this.appendProject(project.projectId, (state) => {
      for (const d of state?.deployments.values() ?? []) {
        if (d.state === 'active' || d.state === 'draining') {
          throw new InvalidDeploymentStateError(
            d.deploymentId,
            d.state,
            'delete the project of',
            'deactivate it first',
          );
        }
      }
      return [{ type: 'ProjectDeleted', data: { time: Date.now() } }];
    });
    this.dispatcher.onDeploymentsChanged(project.projectId);
  }

  /** Lints sources (manifest + code) without changing anything. */
  async lint(sources: SourcesInput): Promise<(ManifestDiagnostic | BuildDiagnostic)[]> {
    const files = await this.loadSources(sources);
    const manifest = this.manifestText(files);
    const built = await this.buildFiles(files, 'the project');
    const context = built.ok
      ? {
          files: built.artifact.sources,
          exportedFunctions: built.artifact.entryPoints,
          activities: built.artifact.activities,
        }
      : { files: Object.keys(files), exportedFunctions: [] };
    const { checkManifest } = await manifestTools();
    const manifestDiagnostics = checkManifest(manifest, context, { file: MANIFEST_FILE }).diagnostics;
    return [...manifestDiagnostics, ...(built.ok ? built.warnings : built.diagnostics)];
  }

  /** What applying these sources would change (nothing is changed). */
  async plan(idOrName: string, sources: SourcesInput): Promise<PlanResult> {
    const project = this.requireProject(idOrName);
    const files = await this.loadSources(sources);
    return this.planFiles(project, files);
  }

  /** Applies sources: lints, stores them, and records the new configuration. */
  async apply(idOrName: string, sources: SourcesInput): Promise<PlanResult> {
    const project = this.requireProject(idOrName);
    const files = await this.loadSources(sources);
    return this.applyFiles(project.projectId, files, project.name);
  }

  /** The sources last applied to the project. */
  async sources(idOrName: string): Promise<ProjectFiles> {
    const project = this.requireProject(idOrName);
    if (project.sourcesHash === undefined) return {};
    return (await this.readSources(project.projectId, project.sourcesHash)).files;
  }

  private async applyFiles(projectId: string, files: ProjectFiles, name: string): Promise<PlanResult> {
    const project = this.projects.get(projectId) as ProjectState;
    const result = await this.planFiles(project, files);
    if (hasErrors(result.diagnostics))
      throw new ProjectInvalidError(result.diagnostics, `whisker.yaml of project ${name}`);
    const config = result.plan.desired;
    if (config.project.name !== project.name && this.findProjectByName(config.project.name) !== undefined) {
      throw new ProjectExistsError(
        config.project.name,
        (this.findProjectByName(config.project.name) as ProjectState).projectId,
      );
    }
    const sourcesHash = hashProjectFiles(files);
    if (project.sourcesHash !== sourcesHash) {
      const data: SourcesStoredData = { hash: sourcesHash, files, time: Date.now() };
      await this.store.append(sourcesStream(projectId), [{ type: 'SourcesStored', data }]);
    }
    await this.appendProject(projectId, (state) => {
      const now = Date.now();
      const triggers: ConfigAppliedData['triggers'] = {};
      for (const trigger of config.triggers) {
        const known = state?.triggerIds[trigger.name];
        const identity = { triggerId: known?.triggerId ?? newId('trigger') } as {
          triggerId: string;
          slug?: string;
        };
        if (trigger.type === 'webhook') identity.slug = known?.slug ?? newWebhookSlug();
        triggers[trigger.name] = identity;
      }
      const events: ProjectEvent[] = [
        { type: 'ConfigApplied', data: { config: stripValues(config), triggers, sourcesHash, time: now } },
      ];
      // A value written in the manifest is applied; a declared variable without one keeps its value.
      for (const variable of config.vars) {
        if (variable.secret || variable.value === undefined) continue;
        const current = state?.variables.get(variable.name);
        if (current?.value === variable.value && !current.secret) continue;
        events.push({
          type: 'VariableSet',
          data: { name: variable.name, secret: false, value: variable.value, time: now },
        });
      }
      return events;
    });
    return result;
  }

  private async planFiles(project: ProjectState, files: ProjectFiles): Promise<PlanResult> {
    const text = this.manifestText(files);
    const built = await this.buildFiles(files, `project ${project.name}`, { typecheck: false });
    const { checkManifest, parseManifest } = await manifestTools();
    // When the code does not even bundle, its errors are what to report: the manifest's calls
    // cannot be checked against exports that could not be read.
    const checked = built.ok
      ? checkManifest(
          text,
          {
            files: built.artifact.sources,
            exportedFunctions: built.artifact.entryPoints,
            activities: built.artifact.activities,
          },
          { file: MANIFEST_FILE },
        )
      : parseManifest(text, { file: MANIFEST_FILE });
    const diagnostics: (ManifestDiagnostic | BuildDiagnostic)[] = [
      ...checked.diagnostics,
      ...(built.ok ? [] : built.diagnostics),
    ];
    if (checked.manifest === undefined || !built.ok) {
      throw new ProjectInvalidError(
        diagnostics,
        built.ok ? `whisker.yaml of project ${project.name}` : `the code of project ${project.name}`,
      );
    }
    const current = project.config === undefined ? undefined : this.currentConfig(project);
    const plan = planManifest(current, checked.manifest);
    return { plan, text: formatPlan(plan), diagnostics: checked.diagnostics };
  }

  /** The applied configuration with current variable values (secrets never carry one). */
  private currentConfig(project: ProjectState): ProjectConfig {
    const config = project.config as ProjectConfig;
    return {
      ...config,
      vars: config.vars.map((v) => {
        const record = project.variables.get(v.name);
        const out = { ...v };
        delete out.value;
        if (!v.secret && record?.value !== undefined) out.value = record.value;
        return out;
      }),
    };
  }

  private parseForName(tools: ManifestTools, files: ProjectFiles): string | undefined {
    const parsed = tools.parseManifest(this.manifestText(files), { file: MANIFEST_FILE });
    return parsed.manifest?.project.name;
  }

  private checkSources(tools: ManifestTools, files: ProjectFiles, name: string): void {
    const parsed = tools.parseManifest(this.manifestText(files), { file: MANIFEST_FILE });
    if (parsed.manifest === undefined || hasErrors(parsed.diagnostics)) {
      throw new ProjectInvalidError(parsed.diagnostics, `whisker.yaml of project ${name}`);
    }
  }

  private manifestText(files: ProjectFiles): string {
    const text = textOf(files, MANIFEST_FILE);
    if (text === undefined) {
      throw new ProjectInvalidError(
        [
          {
            code: 'MANIFEST_NOT_FOUND',
            severity: 'error',
            path: '',
            file: MANIFEST_FILE,
            message: `the project has no ${MANIFEST_FILE}`,
          },
        ],
        'the project',
      );
    }
    return text;
  }

  private async loadSources(sources: SourcesInput): Promise<ProjectFiles> {
    if (typeof sources !== 'object' || sources === null)
      throw new InvalidArgumentError('sources', 'give { dir } or { files }');
    if ('dir' in sources) return readProjectDir(sources.dir);
    return validateProjectFiles(sources.files);
  }

  private async readSources(projectId: string, hash: string): Promise<SourcesStoredData> {
    const events = await this.store.readStream(sourcesStream(projectId), { direction: 'backwards' });
    for (const event of events) {
      const data = event.data as SourcesStoredData;
      if (data.hash === hash) return data;
    }
    throw new Error(`the sources ${hash} of project ${projectId} are missing from the journal`);
  }

  // ------------------------------------------------------------------------------------------
  // Builds

  /** `label` names the project in errors, in place of the temporary directory built. */
  private async buildFiles(files: ProjectFiles, label: string, options: { typecheck?: boolean } = {}) {
    const dir = await materialize(files);
    try {
      return await this.options.build(dir, {
        typecheck: options.typecheck ?? this.options.typecheck ?? true,
      });
    } catch (error) {
      if (!hasErrorCode(error, 'BUILD_WORKER_FAILED')) throw error;
      const failed = error as BuildWorkerFailedError;
      throw new BuildWorkerFailedError(label, failed.reason, failed.exitCode, failed.cause, failed.signal);
    } finally {
      await removeDir(dir);
    }
  }

  /** Builds the project's applied sources. A failed build is recorded too, with its diagnostics. */
  async build(idOrName: string): Promise<BuildRecord> {
    const project = this.requireProject(idOrName);
    if (project.sourcesHash === undefined || project.config === undefined) {
      throw new InvalidArgumentError(
        'project',
        `project ${project.name} has no sources yet; apply them first`,
      );
    }
    const { files } = await this.readSources(project.projectId, project.sourcesHash);
    const started = Date.now();
    const built = await this.buildFiles(files, `project ${project.name}`);
    const sourcesHash = project.sourcesHash;
    if (!built.ok) {
      return this.recordFailedBuild(project.projectId, sourcesHash, built.diagnostics, started);
    }
    const { checkManifest } = await manifestTools();
    const checked = checkManifest(
      this.manifestText(files),
      {
        files: built.artifact.sources,
        exportedFunctions: built.artifact.entryPoints,
        activities: built.artifact.activities,
      },
      { file: MANIFEST_FILE },
    );
    if (checked.manifest === undefined || hasErrors(checked.diagnostics)) {
      return this.recordFailedBuild(project.projectId, sourcesHash, checked.diagnostics, started);
    }
    const info = await this.engine.loadBuild(built.artifact, { projectId: project.projectId });
    if (project.builds.has(info.buildId)) return this.requireBuild(info.buildId);
    await this.appendProject(project.projectId, () => [
      {
        type: 'BuildSucceeded',
        data: {
          buildId: info.buildId,
          hash: info.hash,
          sourcesHash,
          config: stripValues(checked.manifest as ProjectConfig),
          warnings: [...built.warnings, ...checked.diagnostics],
          durationMs: Date.now() - started,
          time: Date.now(),
        },
      },
    ]);
    return this.requireBuild(info.buildId);
  }
  /** Journals a failed build of the project with what failed it; returns its record. */
  private async recordFailedBuild(
    projectId: string,
    sourcesHash: string,
    diagnostics: BuildDiagnostic[],
    started: number,
  ): Promise<BuildRecord> {
    const buildId = newId('build');
    const time = Date.now();
    await this.appendProject(projectId, () => [
      { type: 'BuildFailed', data: { buildId, sourcesHash, diagnostics, durationMs: time - started, time } },
    ]);
    return this.requireBuild(buildId);
  }

  requireBuild(buildId: string): BuildRecord {
    const projectId = this.buildIndex.get(buildId);
    const build = projectId === undefined ? undefined : this.projects.get(projectId)?.builds.get(buildId);
    if (build === undefined) throw new BuildRecordNotFoundError(buildId);
    return build;
  }

  listBuilds(filter: { projectId?: string } = {}): BuildRecord[] {
    const projects =
      filter.projectId === undefined ? [...this.projects.values()] : [this.requireProject(filter.projectId)];
    return projects.flatMap((p) => [...p.builds.values()]).sort((a, b) => b.createdAt - a.createdAt);
  }

  // ------------------------------------------------------------------------------------------
  // Deployments

  /** Creates a deployment of a successful build, and activates it unless told otherwise. */
  async deploy(
    buildId: string,
    options: { activate?: boolean; testing?: boolean } = {},
  ): Promise<DeploymentRecord> {
    const build = this.requireBuild(buildId);
    if (build.status !== 'succeeded' || build.config === undefined) {
      throw new BuildNotDeployableError(buildId, 'the build failed; fix the errors and build again');
    }
    const config = build.config;
    const deploymentId = newId('deployment');
    await this.appendProject(build.projectId, (state) => {
      const project = state as ProjectState;
      const triggers: DeployedTrigger[] = config.triggers.map((trigger) => {
        const identity = project.triggerIds[trigger.name] ?? { triggerId: newId('trigger') };
        return { ...trigger, ...identity };
      });
      return [
        {
          type: 'DeploymentCreated',
          data: {
            deploymentId,
            buildId,
            triggers,
            state: options.testing === true ? 'testing' : 'inactive',
            time: Date.now(),
          },
        },
      ];
    });
    if (options.activate !== false && options.testing !== true) return this.activate(deploymentId);
    this.dispatcher.onDeploymentsChanged(build.projectId);
    return this.requireDeployment(deploymentId);
  }

  /** Makes a deployment the project's active one; the previous active one starts draining. */
  async activate(deploymentId: string): Promise<DeploymentRecord> {
    const projectId = this.projectOfDeployment(deploymentId);
    await this.appendProject(projectId, (state) => {
      const project = state as ProjectState;
      const target = project.deployments.get(deploymentId);
      if (target === undefined) throw new DeploymentNotFoundError(deploymentId);
      if (target.state === 'active') return [];
      const now = Date.now();
      const events: ProjectEvent[] = [];
      const previous = activeDeployment(project);
      if (previous !== undefined) {
        const open = this.dispatcher.openSessions(previous.deploymentId);
        events.push({
          type: 'DeploymentStateChanged',
          data: {
            deploymentId: previous.deploymentId,
            state: open > 0 ? 'draining' : 'inactive',
            reason: `replaced by ${deploymentId}`,
            time: now,
          },
        });
      }
      events.push({
        type: 'DeploymentStateChanged',
        data: { deploymentId, state: 'active', reason: 'activated', time: now },
      });
      return events;
    });
    this.dispatcher.onDeploymentsChanged(projectId);
    return this.requireDeployment(deploymentId);
  }

  /** Stops a deployment from receiving events; its running sessions finish (draining). */
  async deactivate(deploymentId: string): Promise<DeploymentRecord> {
    const projectId = this.projectOfDeployment(deploymentId);
    await this.appendProject(projectId, (state) => {
      const target = state?.deployments.get(deploymentId);
      if (target === undefined) throw new DeploymentNotFoundError(deploymentId);
      if (target.state === 'inactive' || target.state === 'draining') return [];
      const open = this.dispatcher.openSessions(deploymentId);
      return [
        {
          type: 'DeploymentStateChanged',
          data: {
            deploymentId,
            state: open > 0 ? 'draining' : 'inactive',
            reason: 'deactivated',
            time: Date.now(),
          },
        },
      ];
    });
    this.dispatcher.onDeploymentsChanged(projectId);
    return this.requireDeployment(deploymentId);
  }

  /** Deletes an inactive deployment (its sessions stay listed). */
  async deleteDeployment(deploymentId: string): Promise<void> {
    const projectId = this.projectOfDeployment(deploymentId);
    await this.appendProject(projectId, (state) => {
      const target = state?.deployments.get(deploymentId);
      if (target === undefined) throw new DeploymentNotFoundError(deploymentId);
      if (target.state !== 'inactive') {
        throw new InvalidDeploymentStateError(
          deploymentId,
          target.state,
          'delete',
          'only inactive deployments can be deleted; deactivate it and let it drain',
        );
      }
      return [{ type: 'DeploymentDeleted', data: { deploymentId, time: Date.now() } }];
    });
  }

  /** A draining deployment whose last session ended becomes inactive. */
  async drained(deploymentId: string): Promise<void> {
    const projectId = this.deploymentIndex.get(deploymentId);
    if (projectId === undefined) return;
    await this.appendProject(projectId, (state) => {
      const target = state?.deployments.get(deploymentId);
      if (target?.state !== 'draining' || this.dispatcher.openSessions(deploymentId) > 0) return [];
      return [
        {
          type: 'DeploymentStateChanged',
          data: { deploymentId, state: 'inactive', reason: 'drained', time: Date.now() },
        },
      ];
    });
  }

  requireDeployment(deploymentId: string): DeploymentRecord {
    const projectId = this.deploymentIndex.get(deploymentId);
    const deployment =
      projectId === undefined ? undefined : this.projects.get(projectId)?.deployments.get(deploymentId);
    if (deployment === undefined) throw new DeploymentNotFoundError(deploymentId);
    return deployment;
  }

  listDeployments(filter: { projectId?: string } = {}): DeploymentRecord[] {
    const projects =
      filter.projectId === undefined ? [...this.projects.values()] : [this.requireProject(filter.projectId)];
    return projects.flatMap((p) => [...p.deployments.values()]).sort((a, b) => b.createdAt - a.createdAt);
  }

  private projectOfDeployment(deploymentId: string): string {
    const projectId = this.deploymentIndex.get(deploymentId);
    if (projectId === undefined) throw new DeploymentNotFoundError(deploymentId);
    return projectId;
  }

  /**
   * Everything in one go, as `whisker deploy <dir>` does: create the project or apply to it,
   * build, deploy and activate. Throws `ProjectInvalidError` with every problem when lint or the
   * build fails (a failed build is still recorded).
   */
  async deployProject(
    sources: SourcesInput,
    options: { name?: string; activate?: boolean } = {},
  ): Promise<DeployResult> {
    const files = await this.loadSources(sources);
    const tools = await manifestTools();
    const name = options.name ?? this.parseForName(tools, files);
    if (name === undefined)
      throw new ProjectInvalidError(
        tools.parseManifest(this.manifestText(files)).diagnostics,
        'whisker.yaml',
      );
    const projectId =
      this.findProjectByName(name)?.projectId ?? (await this.createProject({ name })).projectId;
    const plan = await this.applyFiles(projectId, files, name);
    const build = await this.build(projectId);
    if (build.status === 'failed')
      throw new ProjectInvalidError(build.diagnostics, `build ${build.buildId} of project ${name}`);
    const deployment = await this.deploy(build.buildId, { activate: options.activate ?? true });
    return { project: this.projectDetail(projectId), plan, build, deployment };
  }

  // ------------------------------------------------------------------------------------------
  // Triggers

  triggersOf(project: ProjectState): TriggerInfo[] {
    const config = project.config;
    if (config === undefined) return [];
    return config.triggers.map((trigger) => {
      const identity = project.triggerIds[trigger.name] ?? { triggerId: '' };
      const info: TriggerInfo = {
        triggerId: identity.triggerId,
        projectId: project.projectId,
        name: trigger.name,
        type: trigger.type,
        call: trigger.call,
      };
      if (trigger.filter !== undefined) info.filter = trigger.filter;
      if (trigger.type === 'webhook') {
        if (identity.slug !== undefined) info.webhookPath = `/webhooks/${identity.slug}`;
        info.sync = trigger.webhook.sync;
        if (trigger.webhook.signature !== undefined) info.signature = trigger.webhook.signature.type;
      }
      if (trigger.type === 'schedule') {
        info.schedule = trigger.schedule;
        info.timezone = trigger.timezone;
      }
      if (trigger.type === 'connection') {
        info.connection = trigger.connection;
        if (trigger.eventType !== undefined) info.eventType = trigger.eventType;
      }
      return info;
    });
  }

  listTriggers(filter: { projectId?: string } = {}): TriggerInfo[] {
    const projects =
      filter.projectId === undefined
        ? [...this.projects.values()].filter((p) => !p.deleted)
        : [this.requireProject(filter.projectId)];
    return projects.flatMap((p) => this.triggersOf(p));
  }

  // ------------------------------------------------------------------------------------------
  // Variables and secrets

  async setVariable(
    idOrName: string,
    name: string,
    value: string,
    options: { secret?: boolean } = {},
  ): Promise<VariableInfo> {
    const project = this.requireProject(idOrName);
    if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) {
      throw new InvalidArgumentError(
        'name',
        `${JSON.stringify(name)} is not a variable name (letters, digits, _; not starting with a digit)`,
      );
    }
    if (typeof value !== 'string') throw new InvalidArgumentError('value', 'must be a string');
    if (Buffer.byteLength(value) > MAX_VARIABLE_BYTES)
      throw new InvalidArgumentError('value', `must be at most ${MAX_VARIABLE_BYTES} bytes`);
    const declared = project.config?.vars.find((v) => v.name === name);
    const secret = options.secret ?? declared?.secret ?? project.variables.get(name)?.secret ?? false;
    if (declared?.secret === true && !secret) {
      throw new InvalidArgumentError(
        'secret',
        `${name} is declared secret in whisker.yaml; it cannot be set as a plain variable`,
      );
    }
    await this.appendProject(project.projectId, () => [
      {
        type: 'VariableSet',
        data: secret
          ? { name, secret: true, encrypted: this.options.secrets().encrypt(value), time: Date.now() }
          : { name, secret: false, value, time: Date.now() },
      },
    ]);
    return this.variableInfo(this.requireProject(project.projectId), name);
  }

  async deleteVariable(idOrName: string, name: string): Promise<void> {
    const project = this.requireProject(idOrName);
    if (!project.variables.has(name)) throw new VariableNotFoundError(project.projectId, name);
    await this.appendProject(project.projectId, () => [
      { type: 'VariableDeleted', data: { name, time: Date.now() } },
    ]);
  }

  getVariable(idOrName: string, name: string): VariableInfo {
    const project = this.requireProject(idOrName);
    const info = this.variablesOf(project).find((v) => v.name === name);
    if (info === undefined) throw new VariableNotFoundError(project.projectId, name);
    return info;
  }

  listVariables(idOrName: string): VariableInfo[] {
    return this.variablesOf(this.requireProject(idOrName));
  }

  private variableInfo(project: ProjectState, name: string): VariableInfo {
    return this.variablesOf(project).find((v) => v.name === name) as VariableInfo;
  }

  private variablesOf(project: ProjectState): VariableInfo[] {
    const out = new Map<string, VariableInfo>();
    for (const v of project.config?.vars ?? []) {
      const info: VariableInfo = { name: v.name, secret: v.secret, isSet: false, declared: true };
      if (v.description !== undefined) info.description = v.description;
      out.set(v.name, info);
    }
    for (const record of project.variables.values()) {
      const info = out.get(record.name) ?? {
        name: record.name,
        secret: record.secret,
        isSet: false,
        declared: false,
      };
      info.secret = record.secret;
      info.isSet = true;
      info.updatedAt = record.updatedAt;
      if (!record.secret && record.value !== undefined) info.value = record.value;
      out.set(record.name, info);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Non-secret values: what workflow code reads (recorded in each session's start). */
  plainVariables(projectId: string): Record<string, string> {
    const project = this.projects.get(projectId);
    const out: Record<string, string> = {};
    for (const record of project?.variables.values() ?? [])
      if (!record.secret && record.value !== undefined) out[record.name] = record.value;
    return out;
  }

  /** Decrypted secrets: only for preparing a project activity, never stored or returned. */
  secretValues(projectId: string): Record<string, string> {
    const project = this.projects.get(projectId);
    const out: Record<string, string> = {};
    for (const record of project?.variables.values() ?? []) {
      if (record.secret && record.encrypted !== undefined)
        out[record.name] = this.options.secrets().decrypt(record.encrypted, record.name);
    }
    return out;
  }

  redactorFor(projectId: string): Redactor {
    return new Redactor(this.secretValues(projectId));
  }
}

/** The configuration as stored: secret variables never carry a value. */
function stripValues(config: ProjectConfig): ProjectConfig {
  return {
    ...config,
    vars: config.vars.map((v) => {
      if (!v.secret) return v;
      const out = { ...v };
      delete out.value;
      return out;
    }),
  };
}

function newWebhookSlug(): string {
  // 160 random bits, URL-safe: the slug is the webhook's only secret unless it has a signature.
  return randomBytes(20).toString('base64url');
}

/** The platform's part of the embedding API, grouped by resource (`engine.projects.create(...)`). */
export function platformApi(platform: Platform) {
  const dispatcher = platform.dispatcher;
  return {
    projects: {
      create: (options: { name?: string; description?: string; sources?: SourcesInput }) =>
        platform.createProject(options),
      list: () => platform.listProjects(),
      get: (project: string) => platform.projectDetail(project),
      delete: (project: string) => platform.deleteProject(project),
      lint: (sources: SourcesInput) => platform.lint(sources),
      plan: (project: string, sources: SourcesInput) => platform.plan(project, sources),
      apply: (project: string, sources: SourcesInput) => platform.apply(project, sources),
      sources: (project: string) => platform.sources(project),
      /** Create or apply, build, deploy and activate in one go. */
      deploy: (sources: SourcesInput, options?: { name?: string; activate?: boolean }) =>
        platform.deployProject(sources, options),
    },
    builds: {
      create: (project: string) => platform.build(project),
      list: (filter?: { projectId?: string }) => platform.listBuilds(filter),
      get: (buildId: string) => platform.requireBuild(buildId),
    },
    deployments: {
      create: (buildId: string, options?: { activate?: boolean; testing?: boolean }) =>
        platform.deploy(buildId, options),
      list: (filter?: { projectId?: string }) => platform.listDeployments(filter),
      get: (deploymentId: string) => platform.requireDeployment(deploymentId),
      activate: (deploymentId: string) => platform.activate(deploymentId),
      deactivate: (deploymentId: string) => platform.deactivate(deploymentId),
      delete: (deploymentId: string) => platform.deleteDeployment(deploymentId),
      sessionCounts: (deploymentId: string) => dispatcher.sessionCounts({ deploymentId }),
    },
    triggers: {
      list: (filter?: { projectId?: string }) => platform.listTriggers(filter),
      get: (triggerId: string) => {
        const found = platform.listTriggers().find((t) => t.triggerId === triggerId);
        if (found === undefined) throw new TriggerNotFoundError(triggerId);
        return found;
      },
      /** Fires a manual trigger, or starts any entry point of the deployed build. */
      run: (
        project: string,
        options: { trigger?: string; entry?: string; input?: unknown; deploymentId?: string },
      ) => dispatcher.runManual(project, options),
    },
    webhooks: {
      receive: (slug: string, request: WebhookRequest) => dispatcher.receiveWebhook(slug, request),
    },
    connections: {
      deliver: (project: string, connection: string, eventType: string, data: unknown) =>
        dispatcher.deliverConnectionEvent(project, connection, eventType, data),
    },
    events: {
      list: (options?: ListEventsOptions) => dispatcher.listEvents(options),
      get: (eventId: string) => dispatcher.getEvent(eventId),
      redispatch: (eventId: string, options?: { deploymentId?: string }) =>
        dispatcher.redispatch(eventId, options),
    },
    tokens: {
      create: (name: string) => platform.tokens.create(name),
      list: () => platform.tokens.list(),
      revoke: (tokenId: string) => platform.tokens.revoke(tokenId),
      /** The token's info when valid; undefined when unknown or revoked. */
      verify: (token: string) => platform.tokens.verify(token),
      /** First start: creates and returns the admin token (once); undefined when tokens exist. */
      ensureAdmin: () => platform.tokens.ensureAdmin(),
    },
    variables: {
      set: (project: string, name: string, value: string, options?: { secret?: boolean }) =>
        platform.setVariable(project, name, value, options),
      get: (project: string, name: string) => platform.getVariable(project, name),
      list: (project: string) => platform.listVariables(project),
      delete: (project: string, name: string) => platform.deleteVariable(project, name),
    },
  };
}

export type PlatformApi = ReturnType<typeof platformApi>;
