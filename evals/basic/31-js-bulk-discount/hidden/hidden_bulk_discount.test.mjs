import test from 'node:test';
import assert from 'node:assert/strict';
import { bulkDiscountPercent, percentOff } from './src/pricing.js';
import { cartTotal, lineTotal } from './src/cart.js';

test('bulkDiscountPercent tiers', () => {
  assert.equal(bulkDiscountPercent(0), 0);
  assert.equal(bulkDiscountPercent(1), 0);
  assert.equal(bulkDiscountPercent(9), 0);
  assert.equal(bulkDiscountPercent(10), 5);
  assert.equal(bulkDiscountPercent(49), 5);
  assert.equal(bulkDiscountPercent(50), 10);
  assert.equal(bulkDiscountPercent(1000), 10);
});

test('lineTotal applies the bulk discount', () => {
  assert.equal(lineTotal({ name: 'pen', unitPriceCents: 100, quantity: 10 }), 950);
  assert.equal(lineTotal({ name: 'cup', unitPriceCents: 199, quantity: 50 }), 8955);
  assert.equal(lineTotal({ name: 'mug', unitPriceCents: 333, quantity: 3 }), 999);
  assert.equal(lineTotal({ name: 'bag', unitPriceCents: 15, quantity: 11 }), 157);
});

test('cartTotal uses discounted lines and the coupon', () => {
  const items = [
    { name: 'pen', unitPriceCents: 100, quantity: 10 },
    { name: 'ink', unitPriceCents: 250, quantity: 2 },
  ];
  assert.equal(cartTotal(items, 10), 1305);
  assert.equal(cartTotal(items), 1450);
  assert.equal(cartTotal([]), 0);
});

test('percentOff unchanged', () => {
  assert.equal(percentOff(1000, 15), 850);
});
