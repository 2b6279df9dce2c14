export { AuthProvider, useAuth, useApi, REVOKED_MESSAGE } from './auth-context.js';
