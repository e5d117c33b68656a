import { ValidationError } from './errors.js';

// Control characters (C0, DEL, C1) make names unreadable in the console and in mail headers.
const CONTROL = /\p{Cc}/u;
// A lone UTF-16 surrogate is no character at all; PostgreSQL refuses it inside jsonb (the audit log).
const LONE_SURROGATE = /\p{Cs}/u;

/** A trimmed, printable, single-line text of `min`..`max` characters. */
export function requireText(field: string, value: string, min: number, max: number): string {
  const text = value.trim();
  if (text.length < min) {
    throw new ValidationError(field, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  }
  if (text.length > max) throw new ValidationError(field, `must have at most ${max} characters`);
  if (CONTROL.test(text)) throw new ValidationError(field, 'must not contain control characters or line breaks');
  if (LONE_SURROGATE.test(text)) throw new ValidationError(field, 'must be valid Unicode text');
  return text;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

export function requirePassword(field: string, password: string): string {
  if (password.length < PASSWORD_MIN) {
    throw new ValidationError(field, `must have at least ${PASSWORD_MIN} characters`);
  }
  if (password.length > PASSWORD_MAX) {
    throw new ValidationError(field, `must have at most ${PASSWORD_MAX} characters`);
  }
  return password;
}
