import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, LEVELS, levelValue } from "./src/index.js";

function capture(level) {
  const lines = [];
  const log = createLogger({ level, sink: (line) => lines.push(line) });
  return { log, lines };
}

function all(log) {
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
}

test("warn level value", () => {
  assert.equal(levelValue("warn"), 30);
  assert.equal(LEVELS.warn, 30);
  assert.equal(levelValue("info"), 20);
  assert.equal(levelValue("error"), 40);
});

test("warn method writes [WARN]", () => {
  const { log, lines } = capture("info");
  log.warn("disk almost full");
  assert.deepEqual(lines, ["[WARN] disk almost full"]);
});

test("each level filters correctly", () => {
  const expected = {
    debug: ["[DEBUG] d", "[INFO] i", "[WARN] w", "[ERROR] e"],
    info: ["[INFO] i", "[WARN] w", "[ERROR] e"],
    warn: ["[WARN] w", "[ERROR] e"],
    error: ["[ERROR] e"],
  };
  for (const [level, want] of Object.entries(expected)) {
    const { log, lines } = capture(level);
    all(log);
    assert.deepEqual(lines, want, level);
  }
});

test("unknown levels still rejected", () => {
  assert.throws(() => levelValue("loud"));
  assert.throws(() => createLogger({ level: "verbose" }));
});
