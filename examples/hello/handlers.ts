import { getVariable, log, respond } from 'whisker/workflow';

interface WebhookEvent {
  data: {
    method: string;
    query: Record<string, string | string[]>;
    body: { text: string; json?: { name?: string } };
  };
}

/** Started by each call of the webhook; answers the caller with a greeting. */
export function greet(event: WebhookEvent): string {
  const fromQuery = event.data.query['name'];
  const name =
    event.data.body.json?.name ?? (typeof fromQuery === 'string' ? fromQuery : undefined) ?? 'world';
  const message = `${getVariable('GREETING') ?? 'Hello'}, ${name}!`;
  log.info(`greeting ${name}`);
  respond({ status: 200, body: { message } });
  return message;
}
