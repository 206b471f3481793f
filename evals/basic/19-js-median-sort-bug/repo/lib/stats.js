'use strict';

// Tiny statistics helpers.

function mean(values) {
  if (values.length === 0) throw new Error('mean of empty array');
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function median(values) {
  if (values.length === 0) throw new Error('median of empty array');
  const sorted = values.slice().sort();
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid];
  return (sorted[mid - 1] + sorted[mid]) / 2;
}

module.exports = { mean, median };
