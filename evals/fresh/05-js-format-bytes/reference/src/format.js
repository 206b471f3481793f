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

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Format a byte count with binary units: 1536 -> "1.5 KB". */
export function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 0) {
    throw new RangeError(`not a byte count: ${bytes}`);
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
