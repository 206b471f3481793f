import test from 'node:test';
import assert from 'node:assert/strict';
import { capitalizeWords, reverse } from './src/strings.js';

test('capitalizes each word', () => {
  assert.equal(capitalizeWords('hello world'), 'Hello World');
});

test('lower-cases the rest of each word', () => {
  assert.equal(capitalizeWords('hello wORLD'), 'Hello World');
  assert.equal(capitalizeWords('JAVASCRIPT'), 'Javascript');
});

test('keeps spaces as they are', () => {
  assert.equal(capitalizeWords('  a  b '), '  A  B ');
});

test('empty string', () => {
  assert.equal(capitalizeWords(''), '');
});

test('words starting with digits or punctuation', () => {
  assert.equal(capitalizeWords('3rd place!'), '3rd Place!');
});

test('existing helpers still work', () => {
  assert.equal(reverse('abc'), 'cba');
});
