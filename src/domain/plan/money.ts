import type { Plan } from './types.js';

type Currency = Plan['cost']['currency'];

const SYMBOLS: Record<Currency, string> = { USD: '$', EUR: '€' };
const MINUS = '−';

/** `12` → `$12.00`, `11.99` in EUR → `€11.99`. The one place money is formatted. */
export function formatMoney(amount: number, currency: Currency): string {
  const cents = Math.round(Math.abs(amount) * 100);
  const sign = amount < 0 && cents > 0 ? MINUS : '';
  return `${sign}${SYMBOLS[currency]}${(cents / 100).toFixed(2)}`;
}

/** A signed change: `+$12.00`, `−€4.00`, `±$0.00`. */
export function formatMoneyDelta(delta: number, currency: Currency): string {
  const cents = Math.round(delta * 100);
  if (cents === 0) return `±${formatMoney(0, currency)}`;
  return cents > 0 ? `+${formatMoney(cents / 100, currency)}` : formatMoney(cents / 100, currency);
}

/** The plan's monthly cost change, rounded to cents. */
export function monthlyDelta(plan: Plan): number {
  return Math.round((plan.cost.monthlyAfter - plan.cost.monthlyBefore) * 100) / 100;
}
