import type { FormEvent } from 'react';
import { useEffect, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiRequestError, describeError } from '../api/index.js';
import { useAuth } from '../auth/index.js';
import { Button, CodeBlock, Field, Logo, TextInput } from '../components/index.js';
import styles from './SignIn.module.css';

/** What to tell a person whose token did not work. */
export function signInErrorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) {
    if (error.code === 'INVALID_TOKEN')
      return 'This token was not accepted: it is mistyped, unknown to this server, or revoked. List the valid ones with `whisker token list`, or create one with `whisker token create <name>`.';
    if (error.code === 'UNAUTHENTICATED' || error.code === 'EMPTY_TOKEN')
      return 'Paste an API token to sign in.';
    if (error.code === 'NETWORK_ERROR') return describeError(error);
    if (error.code === 'RATE_LIMITED') return 'Too many attempts: wait a minute and try again.';
  }
  return `Signing in failed: ${describeError(error)}`;
}

export function SignIn() {
  const { client, signIn, signedOutReason } = useAuth();
  const location = useLocation();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = 'Sign in · Whisker';
  }, []);

  if (client !== undefined) {
    const from = (location.state as { from?: string } | null)?.from ?? '/';
    return <Navigate to={from} replace />;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token);
    } catch (cause) {
      setError(signInErrorMessage(cause));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={styles.page}>
      <main className={styles.panel}>
        <div className={styles.brand}>
          <Logo size={30} />
          Whisker
        </div>
        <h1 className={styles.title}>Sign in</h1>
        <p className={styles.lead}>
          Use an API token of this server. It stays in this browser tab only, and is forgotten when the tab
          closes.
        </p>
        {signedOutReason !== undefined && (
          <p className={styles.notice} role="status">
            {signedOutReason}
          </p>
        )}
        <form className={styles.form} onSubmit={(e) => void submit(e)}>
          <Field label="API token" {...(error !== undefined ? { error } : {})}>
            {(props) => (
              <TextInput
                {...props}
                name="token"
                type="password"
                autoComplete="off"
                spellCheck={false}
                autoFocus
                placeholder="wsk_…"
                value={token}
                onChange={(e) => setToken(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={busy}>
            Sign in
          </Button>
        </form>
        <div className={styles.help}>
          <p>
            <code>whisker up</code> prints an admin token on its first start (and saves it for the CLI).
            Create another with:
          </p>
          <CodeBlock copy language="shell">
            whisker token create my-browser
          </CodeBlock>
        </div>
      </main>
    </div>
  );
}
