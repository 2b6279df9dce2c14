/**
 * Verifies a webhook's signature over the RAW request body: GitHub (`X-Hub-Signature-256`), Slack
 * (`X-Slack-Signature` over `v0:<timestamp>:<body>`, timestamp within 5 minutes), or a generic HMAC
 * header. Comparison is constant-time. Returns why a request is refused, or undefined when valid.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSignature } from './manifest/index.js';

export const SLACK_MAX_SKEW_MS = 5 * 60_000;

/** Header lookup, case-insensitive, first value. */
function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function equal(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function decode(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  if (encoding === 'hex' && !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return Buffer.from(text, encoding);
}

export function verifyWebhookSignature(
  signature: WebhookSignature,
  key: string,
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
  now = Date.now(),
): string | undefined {
  switch (signature.type) {
    case 'github': {
      const given = header(headers, 'x-hub-signature-256');
      if (given === undefined) return 'missing X-Hub-Signature-256 header';
      if (!given.startsWith('sha256=')) return 'X-Hub-Signature-256 must start with "sha256="';
      const digest = decode(given.slice('sha256='.length), 'hex');
      const expected = createHmac('sha256', key).update(body).digest();
      return digest !== undefined && equal(expected, digest)
        ? undefined
        : 'X-Hub-Signature-256 does not match the body';
    }
    case 'slack': {
      const given = header(headers, 'x-slack-signature');
      const timestamp = header(headers, 'x-slack-request-timestamp');
      if (given === undefined) return 'missing X-Slack-Signature header';
      if (timestamp === undefined || !/^\d+$/.test(timestamp))
        return 'missing or malformed X-Slack-Request-Timestamp header';
      if (Math.abs(now - Number(timestamp) * 1000) > SLACK_MAX_SKEW_MS) {
        return 'X-Slack-Request-Timestamp is more than 5 minutes away from now (replayed request?)';
      }
      if (!given.startsWith('v0=')) return 'X-Slack-Signature must start with "v0="';
      const digest = decode(given.slice(3), 'hex');
      const expected = createHmac('sha256', key)
        .update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), body]))
        .digest();
      return digest !== undefined && equal(expected, digest)
        ? undefined
        : 'X-Slack-Signature does not match the body';
    }
    case 'hmac': {
      const given = header(headers, signature.header);
      if (given === undefined) return `missing ${signature.header} header`;
      const prefix = signature.prefix ?? '';
      if (!given.startsWith(prefix)) return `${signature.header} must start with ${JSON.stringify(prefix)}`;
      const digest = decode(given.slice(prefix.length), signature.encoding);
      const expected = createHmac(signature.algorithm, key).update(body).digest();
      return digest !== undefined && equal(expected, digest)
        ? undefined
        : `${signature.header} does not match the body`;
    }
  }
}
