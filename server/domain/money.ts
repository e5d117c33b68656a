import { ValidationError } from './errors.js';

/** Money is integer cents everywhere; these are the only conversions to and from text. */
export const CURRENCY = 'EUR';

export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export interface Money {
  amount: string;
  minorUnits: number;
  currency: string;
}

export function money(cents: number): Money {
  return { amount: formatCents(cents), minorUnits: cents, currency: CURRENCY };
}

/**
 * Reads a decimal amount such as "12.5" or "12.50" into cents, exactly: no float ever holds it.
 * More than two decimals is an error, not a rounding.
 */
export function parseCents(field: string, amount: string): number {
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!match) {
    if (/^-?\d+\.\d{3,}$/.test(amount.trim())) throw new ValidationError(field, 'must have at most two decimals (whole cents)');
    throw new ValidationError(field, 'must be a decimal amount such as "25.00"');
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}
