/** Money is integer cents. */
export type Cents = number;

/** `percent` of `base` cents, rounded half-up to the cent, exact for percents with up to 4 decimals. */
export function percentOf(base: Cents, percent: number): Cents {
  const scaled = Math.round(percent * 10_000); // percent in 1/10000ths
  const numerator = base * scaled; // cents × percent × 10^4
  const denominator = 1_000_000; // 100 (percent) × 10^4
  return Math.floor((numerator + denominator / 2) / denominator);
}

export function formatCents(cents: Cents, currency = 'USD'): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  // Thousands grouped by hand: toLocaleString builds a formatter on every call.
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  const frac = String(abs % 100).padStart(2, '0');
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  return `${sign}${symbol}${whole}.${frac}`;
}
