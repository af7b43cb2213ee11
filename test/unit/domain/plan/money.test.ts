import { describe, expect, it } from 'vitest';
import { formatMoney, formatMoneyDelta } from '../../../../src/domain/plan/money.js';

describe('money', () => {
  it.each<[number, 'USD' | 'EUR', string, string]>([
    [12, 'USD', '$12.00', '+$12.00'],
    [11.99, 'EUR', '€11.99', '+€11.99'],
    [-36, 'USD', '−$36.00', '−$36.00'],
    [0, 'EUR', '€0.00', '±€0.00'],
    [0.004, 'USD', '$0.00', '±$0.00'],
    [364.41, 'USD', '$364.41', '+$364.41'],
  ])('%d %s → %s, as a change %s', (amount, currency, money, delta) => {
    expect(formatMoney(amount, currency)).toBe(money);
    expect(formatMoneyDelta(amount, currency)).toBe(delta);
  });
});
