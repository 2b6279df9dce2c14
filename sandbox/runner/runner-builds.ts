/**
 * The builds a runner knows: bundles (compiled per isolate by the hosts), source maps (parsed on
 * first use), resources (one copy per runner, read by contexts through a callback).
 */
import ivm from 'isolated-vm';

import type { ExportedFunction } from '../artifact.js';
import { ACTIVITY_BUNDLE_FILE, WORKFLOW_BUNDLE_FILE } from '../guest/entry-points.js';
import type { ResourceAnswer } from '../guest/resources.js';
import { BundleMap } from './source-mapping.js';
import type { RunnerBuild } from './wire.js';

export class RunnerBuildEntry {
  readonly workflowMap: BundleMap;
  readonly activityMap: BundleMap;
  /** One callback per build, handed to every context of it. */
  readonly readResource: ivm.Callback<(path: string) => ResourceAnswer>;
  private readonly activitiesByName = new Map<string, ExportedFunction>();

  constructor(readonly build: RunnerBuild) {
    this.workflowMap = new BundleMap(WORKFLOW_BUNDLE_FILE, build.workflowBundle.sourceMap);
    this.activityMap = new BundleMap(ACTIVITY_BUNDLE_FILE, build.activityBundle.sourceMap);
    for (const activity of build.activities) this.activitiesByName.set(activity.name, activity);
    const resources = build.resources;
    const names = Object.keys(resources).sort();
    this.readResource = new ivm.Callback((path: string): ResourceAnswer => {
      const bytes = Object.prototype.hasOwnProperty.call(resources, path) ? resources[path] : undefined;
      return bytes === undefined ? { available: names } : { bytes };
    });
  }

  get hash(): string {
    return this.build.hash;
  }

  activity(name: string): ExportedFunction | undefined {
    return this.activitiesByName.get(name);
  }
}

export class RunnerBuilds {
  private readonly builds = new Map<string, RunnerBuildEntry>();

  add(build: RunnerBuild): void {
    if (!this.builds.has(build.hash)) this.builds.set(build.hash, new RunnerBuildEntry(build));
  }

  get(hash: string): RunnerBuildEntry | undefined {
    return this.builds.get(hash);
  }
}
