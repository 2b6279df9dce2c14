/**
 * Secrets at rest: AES-256-GCM under an operator key. What is journaled is only
 * `{ keyId, iv, tag, ciphertext }`; the plaintext exists in memory only while an activity that
 * may read it is being prepared.
 *
 * The key comes from (first match): the `key` option (32 bytes, or base64 of them), the
 * `WHISKER_SECRET_KEY` environment variable (base64), a key file (`keyFile` option or
 * `WHISKER_SECRET_KEY_FILE`), or — for the embedded default — a key file generated on first start
 * in the data directory, readable only by its owner (mode 0600).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WhiskerError } from '../../common/index.js';

export interface EncryptedSecret {
  /** First 8 bytes (hex) of SHA-256 of the key: which key can open it. */
  keyId: string;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
}

export class SecretKeyError extends WhiskerError {
  constructor(message: string) {
    super('SECRET_KEY_INVALID', message);
  }
}

export class SecretDecryptError extends WhiskerError {
  constructor(
    readonly secretName: string,
    keyId: string,
    currentKeyId: string,
  ) {
    super(
      'SECRET_UNREADABLE',
      keyId === currentKeyId
        ? `secret ${secretName} cannot be decrypted: its ciphertext is damaged; set it again`
        : `secret ${secretName} was encrypted with key ${keyId}, but the engine runs with key ${currentKeyId}; start with the original key or set the secret again`,
    );
  }
}

export class SecretBox {
  readonly keyId: string;

  private constructor(private readonly key: Buffer) {
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  static fromKey(key: Uint8Array | string): SecretBox {
    const bytes = typeof key === 'string' ? Buffer.from(key.trim(), 'base64') : Buffer.from(key);
    if (bytes.length !== 32) {
      throw new SecretKeyError(
        `the secret key must be 32 bytes (base64: 44 characters), got ${bytes.length} bytes; generate one with: openssl rand -base64 32`,
      );
    }
    return new SecretBox(bytes);
  }

  /** A key that lives only in this process (for the in-memory store). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /**
   * Resolves the operator's key (see the module comment). `defaultKeyFile` is where the embedded
   * default keeps a generated key; without it, a missing key is an error.
   */
  static async resolve(
    options: { key?: string | Uint8Array; keyFile?: string; defaultKeyFile?: string },
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<SecretBox> {
    if (options.key !== undefined) return SecretBox.fromKey(options.key);
    const fromEnv = env['WHISKER_SECRET_KEY'];
    if (fromEnv !== undefined && fromEnv !== '') return SecretBox.fromKey(fromEnv);
    const keyFile = options.keyFile ?? env['WHISKER_SECRET_KEY_FILE'];
    if (keyFile !== undefined && keyFile !== '') return SecretBox.fromKey(await readKeyFile(keyFile));
    if (options.defaultKeyFile !== undefined)
      return SecretBox.fromKey(await readOrCreateKeyFile(options.defaultKeyFile));
    throw new SecretKeyError(
      'no secret key: set WHISKER_SECRET_KEY (base64 of 32 bytes) or WHISKER_SECRET_KEY_FILE, or pass `secretKey`',
    );
  }

  encrypt(plaintext: string): EncryptedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.keyId, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  /** @param name names the secret in the error when it cannot be opened. */
  decrypt(secret: EncryptedSecret, name: string): string {
    if (secret.keyId !== this.keyId) throw new SecretDecryptError(name, secret.keyId, this.keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, secret.iv);
      decipher.setAuthTag(secret.tag);
      return Buffer.concat([decipher.update(secret.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(name, secret.keyId, this.keyId);
    }
  }
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new SecretKeyError(`cannot read the secret key file ${path}: ${(error as Error).message}`);
  }
}

/** Reads the generated key, or creates it (0600, exclusive create so two starts cannot race). */
async function readOrCreateKeyFile(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      // Someone widened the permissions: narrow them again rather than run with a readable key.
      await chmod(path, 0o600);
    }
    return await readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64');
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${key}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path);
    throw error;
  }
}
