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
