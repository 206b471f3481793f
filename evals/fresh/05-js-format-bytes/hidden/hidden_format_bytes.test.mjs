import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes, formatCount, formatPercent } from "./src/format.js";

test("bytes", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1), "1 B");
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1023), "1023 B");
});

test("kilobytes and up", () => {
  assert.equal(formatBytes(1024), "1.0 KB");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(10 * 1024), "10.0 KB");
  assert.equal(formatBytes(1048576), "1.0 MB");
  assert.equal(formatBytes(1234567), "1.2 MB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GB");
  assert.equal(formatBytes(5 * 1024 ** 4), "5.0 TB");
});

test("TB is the largest unit", () => {
  assert.equal(formatBytes(2048 * 1024 ** 4), "2048.0 TB");
  assert.equal(formatBytes(1024 ** 5), "1024.0 TB");
});

test("invalid input throws RangeError", () => {
  assert.throws(() => formatBytes(-1), RangeError);
  assert.throws(() => formatBytes(1.5), RangeError);
  assert.throws(() => formatBytes(NaN), RangeError);
});

test("existing helpers", () => {
  assert.equal(formatPercent(0.5), "50%");
  assert.equal(formatCount(1000), "1,000");
});
