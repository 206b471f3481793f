import { test } from "node:test";
import assert from "node:assert/strict";
import { charCount, lineCount, readingMinutes, statusLine, wordCount } from "./src/stats.js";

test("empty and blank texts have no words", () => {
  assert.equal(wordCount(""), 0);
  assert.equal(wordCount("   "), 0);
  assert.equal(wordCount("\n\t \n"), 0);
});

test("extra spaces do not count", () => {
  assert.equal(wordCount("hello  world"), 2);
  assert.equal(wordCount("  hello world  "), 2);
  assert.equal(wordCount("a     b   c"), 3);
});

test("line breaks and tabs separate words", () => {
  assert.equal(wordCount("hello\nworld"), 2);
  assert.equal(wordCount("a\tb\r\nc\n\nd"), 4);
});

test("plain text unchanged", () => {
  assert.equal(wordCount("hello world"), 2);
  assert.equal(wordCount("one"), 1);
  assert.equal(wordCount("don't stop-me now!"), 3);
});

test("status line", () => {
  assert.equal(statusLine(""), "0 words, 0 lines");
  assert.equal(statusLine("hello\nworld"), "2 words, 2 lines");
  assert.equal(statusLine("solo "), "1 word, 1 line");
});

test("reading time", () => {
  assert.equal(readingMinutes(""), 0);
  assert.equal(readingMinutes("word ".repeat(201)), 2);
  assert.equal(readingMinutes("a  b", 1), 2);
});

test("other counts unchanged", () => {
  assert.equal(charCount("a b"), 3);
  assert.equal(lineCount("a\nb"), 2);
});
