// Cart arithmetic. An item is { name, unitPriceCents, quantity }.
import { percentOff } from './pricing.js';

/** Total of one cart line, in cents. */
export function lineTotal(item) {
  return item.unitPriceCents * item.quantity;
}

/** Total of the cart in cents, after applying an optional coupon (percent). */
export function cartTotal(items, couponPercent = 0) {
  const subtotal = items.reduce((sum, item) => sum + lineTotal(item), 0);
  return percentOff(subtotal, couponPercent);
}
