// The UI's client of the HTTP API.
export { createApiClient, API_PREFIX } from './client.js';
export type { ApiClient, ApiClientOptions } from './client.js';
export { ApiRequestError, describeError } from './errors.js';
export type * from './types.js';
