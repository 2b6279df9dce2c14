import { activityInfo, log } from 'whisker/activity';

/**
 * An activity: where a real job does its I/O (fetch, a database, an email). It may run more than
 * once (it is retried on failure), so it should be idempotent: the session id and seq make a key.
 */
export function recordHeartbeat(target: string, tickAt: string): string {
  const info = activityInfo();
  const key = `${info.sessionId}/${info.seq}`;
  log.info(`heartbeat for ${target} at ${tickAt} (idempotency key ${key})`);
  return `checked ${target} at ${tickAt}`;
}
