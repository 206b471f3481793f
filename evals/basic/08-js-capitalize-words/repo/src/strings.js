// Small string helpers.

export function reverse(str) {
  return [...str].reverse().join('');
}

export function isBlank(str) {
  return str.trim().length === 0;
}
