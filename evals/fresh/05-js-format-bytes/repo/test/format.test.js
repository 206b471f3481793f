import { test } from "node:test";
import assert from "node:assert/strict";
import { formatCount, formatPercent } from "../src/format.js";

test("formatPercent", () => {
  assert.equal(formatPercent(0.25), "25%");
  assert.equal(formatPercent(1), "100%");
});

test("formatCount", () => {
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount(-1000), "-1,000");
});
