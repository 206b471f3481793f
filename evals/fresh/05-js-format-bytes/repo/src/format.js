// Number formatting for the dashboard.

/** Format a fraction (0.25) as a percentage string ("25%"), rounded to whole percents. */
export function formatPercent(fraction) {
  return `${Math.round(fraction * 100)}%`;
}

/** Format an integer with commas as thousands separators: 1234567 -> "1,234,567". */
export function formatCount(n) {
  const sign = n < 0 ? "-" : "";
  const digits = String(Math.abs(Math.trunc(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
