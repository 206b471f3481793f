import { test } from "node:test";
import assert from "node:assert/strict";
import { charCount, lineCount, statusLine, wordCount } from "../src/stats.js";

test("wordCount", () => {
  assert.equal(wordCount("hello world"), 2);
  assert.equal(wordCount("one"), 1);
});

test("charCount", () => {
  assert.equal(charCount("a b"), 3);
  assert.equal(charCount("a b", { spaces: false }), 2);
});

test("lineCount", () => {
  assert.equal(lineCount(""), 0);
  assert.equal(lineCount("a"), 1);
});

test("statusLine", () => {
  assert.equal(statusLine("just one"), "2 words, 1 line");
});
