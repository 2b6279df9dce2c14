/**
 * Builds known to the engine. Each is journaled once in its own stream (`build-<id>`) with the
 * serialized artifact, so a session can be recovered on the exact build it runs on after a
 * restart. Artifacts are loaded lazily and registered with the sandbox on first use.
 */
import type { EventStore } from '../../journal/index.js';
import type { BuildArtifact, Sandbox } from '../../sandbox/index.js';
import { deserializeArtifact, serializeArtifact } from '../../sandbox/index.js';
import { BuildNotFoundError } from '../errors.js';
import { newId } from '../ids.js';

export const BUILD_STREAM_PREFIX = 'build-';
export const BUILD_CREATED = 'BuildCreated';

export function buildStream(buildId: string): string {
  return `${BUILD_STREAM_PREFIX}${buildId}`;
}

export interface BuildInfo {
  buildId: string;
  /** Content hash of the artifact (`sha256-…`). */
  hash: string;
  createdAt: number;
  /** `file.ts:function` of every exported workflow function. */
  entryPoints: string[];
  /** Names of the project's activities. */
  activities: string[];
  projectId?: string;
}

export interface BuildCreatedData extends BuildInfo {
  artifact: Uint8Array;
}

export class BuildRegistry {
  private readonly infos = new Map<string, BuildInfo>();
  private readonly byHash = new Map<string, string>();
  private readonly artifacts = new Map<string, Promise<BuildArtifact>>();
  private readonly registered = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly sandbox: Sandbox,
  ) {}

  /**
   * Journals a build (once per content hash and project) and returns its info. The same artifact
   * loaded twice gives the same build.
   */
  async add(artifact: BuildArtifact, meta: { projectId?: string } = {}): Promise<BuildInfo> {
    const existingId = this.byHash.get(hashKey(artifact.hash, meta.projectId));
    const existing = existingId === undefined ? undefined : this.infos.get(existingId);
    if (existing !== undefined) return existing;
    const info: BuildInfo = {
      buildId: newId('build'),
      hash: artifact.hash,
      createdAt: Date.now(),
      entryPoints: artifact.entryPoints.map((e) => `${e.file}:${e.name}`),
      activities: artifact.activities.map((a) => a.name),
      ...(meta.projectId !== undefined ? { projectId: meta.projectId } : {}),
    };
    const data: BuildCreatedData = { ...info, artifact: serializeArtifact(artifact) };
    await this.store.append(buildStream(info.buildId), [{ type: BUILD_CREATED, data }], {
      expectedRevision: 'no-stream',
    });
    this.remember(info);
    this.artifacts.set(info.buildId, Promise.resolve(artifact));
    return info;
  }

  /** Recovery: a `BuildCreated` event read from the journal. */
  recover(data: BuildCreatedData): void {
    const { artifact: _artifact, ...info } = data;
    this.remember(info);
  }

  get(buildId: string): BuildInfo | undefined {
    return this.infos.get(buildId);
  }

  list(): BuildInfo[] {
    return [...this.infos.values()];
  }

  require(buildId: string): BuildInfo {
    const info = this.infos.get(buildId);
    if (info === undefined) throw new BuildNotFoundError(buildId);
    return info;
  }

  /** The artifact, read from the journal on first use. */
  artifact(buildId: string): Promise<BuildArtifact> {
    let pending = this.artifacts.get(buildId);
    if (pending === undefined) {
      pending = this.load(buildId);
      this.artifacts.set(buildId, pending);
      pending.catch(() => this.artifacts.delete(buildId));
    }
    return pending;
  }

  /** Makes sure the sandbox has the build; returns its hash (what activations name). */
  async hashFor(buildId: string): Promise<string> {
    const info = this.require(buildId);
    if (!this.registered.has(info.hash)) {
      const artifact = await this.artifact(buildId);
      this.sandbox.registerBuild(artifact);
      this.registered.add(info.hash);
    }
    return info.hash;
  }

  private remember(info: BuildInfo): void {
    this.infos.set(info.buildId, info);
    this.byHash.set(hashKey(info.hash, info.projectId), info.buildId);
  }

  private async load(buildId: string): Promise<BuildArtifact> {
    this.require(buildId);
    const [event] = await this.store.readStream(buildStream(buildId), { maxCount: 1 });
    if (event === undefined) throw new BuildNotFoundError(buildId);
    return deserializeArtifact((event.data as BuildCreatedData).artifact);
  }
}

function hashKey(hash: string, projectId: string | undefined): string {
  return `${projectId ?? ''}/${hash}`;
}
