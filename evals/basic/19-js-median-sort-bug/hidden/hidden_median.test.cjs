'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { mean, median } = require('./lib/stats.js');

test('reported examples', () => {
  assert.equal(median([10, 2, 3]), 3);
  assert.equal(median([1, 5, 100, 20]), 12.5);
});

test('single digit values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('negative numbers', () => {
  assert.equal(median([-10, -2, -3]), -3);
  assert.equal(median([-1, 10, 9]), 9);
});

test('single value and floats', () => {
  assert.equal(median([42]), 42);
  assert.equal(median([0.5, 0.25, 10.75]), 0.5);
});

test('does not modify its input', () => {
  const input = [10, 2, 3];
  median(input);
  assert.deepEqual(input, [10, 2, 3]);
});

test('empty array throws', () => {
  assert.throws(() => median([]), Error);
});

test('mean still works', () => {
  assert.equal(mean([1, 2, 3, 10]), 4);
});
