/** What a credential is replaced with. */
export const REDACTED = '***';

/** `scheme://user:password@` (the password part captured). */
const userInfo = /([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):([^\s/@]*)@/gi;

/**
 * `text` with the password of every `scheme://user:password@host` URL in it
 * replaced by `***` (the user name stays: it says who, not how).
 *
 * @example redactUrl('redis://app:s3cret@redis:6379/2') // 'redis://app:***@redis:6379/2'
 */
export function redactUrl(text: string): string {
  return text.replace(userInfo, (_, head: string) => `${head}:${REDACTED}@`);
}

/**
 * The passwords written in URLs in `texts` (as written and percent-decoded),
 * for {@link redactSecrets}: what a command line or an environment variable
 * carries.
 */
export function urlPasswords(texts: Iterable<string | undefined>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    for (const match of text.matchAll(userInfo)) {
      const password = match[2] ?? '';
      if (password === '') continue;
      found.push(password);
      try {
        const decoded = decodeURIComponent(password);
        if (decoded !== password) found.push(decoded);
      } catch {
        // Not valid percent-encoding: the text as written is the secret.
      }
    }
  }
  return found;
}

/**
 * `text` with URL passwords redacted ({@link redactUrl}) and every
 * occurrence of each of `secrets` replaced by `***`. Secrets shorter than
 * 3 characters are left to the URL rule (replacing every `a` would say
 * nothing and garble the rest).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactUrl(text);
  // Longest first, so that a secret containing another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  }
  return out;
}
