// Price helpers. All amounts are integer cents.

/** Returns amountCents reduced by percent (0-100), rounded to whole cents. */
export function percentOff(amountCents, percent) {
  return Math.round((amountCents * (100 - percent)) / 100);
}
