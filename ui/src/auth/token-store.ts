/**
 * The API token lives in sessionStorage: it survives reloads of the tab and is gone when the tab
 * or browser closes (issue #8: "kept in the browser session"). Never in localStorage or a cookie.
 */
const KEY = 'whisker.token';

export function loadToken(): string | undefined {
  try {
    const token = sessionStorage.getItem(KEY);
    return token === null || token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: nothing was kept.
  }
}
