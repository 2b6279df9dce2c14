import { log } from 'whisker/activity';

/** Tells the requester the outcome. A real project would send an email or a chat message here. */
export function notify(requester: string, outcome: string): string {
  log.info(`to ${requester}: ${outcome}`);
  return `notified ${requester}`;
}
