// Text statistics shown in the editor's status bar.

/** The number of words in a text. */
export function wordCount(text) {
  return text.split(" ").length;
}

/** The number of characters, optionally without whitespace. */
export function charCount(text, { spaces = true } = {}) {
  return spaces ? text.length : text.replace(/\s/g, "").length;
}

/** The number of lines; an empty text has none. */
export function lineCount(text) {
  return text === "" ? 0 : text.split("\n").length;
}

/** Minutes needed to read the text, rounded up. */
export function readingMinutes(text, wordsPerMinute = 200) {
  return Math.ceil(wordCount(text) / wordsPerMinute);
}

/** The status bar text, e.g. "12 words, 3 lines". */
export function statusLine(text) {
  const words = wordCount(text);
  const lines = lineCount(text);
  return `${words} ${words === 1 ? "word" : "words"}, ${lines} ${lines === 1 ? "line" : "lines"}`;
}
