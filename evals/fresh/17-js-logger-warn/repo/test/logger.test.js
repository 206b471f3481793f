import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, levelValue } from "../src/index.js";

function capture(level) {
  const lines = [];
  const log = createLogger({ level, sink: (line) => lines.push(line) });
  return { log, lines };
}

test("drops messages below the level", () => {
  const { log, lines } = capture("info");
  log.debug("hidden");
  log.info("shown");
  log.error("bad");
  assert.deepEqual(lines, ["[INFO] shown", "[ERROR] bad"]);
});

test("debug shows everything", () => {
  const { log, lines } = capture("debug");
  log.debug("d");
  assert.deepEqual(lines, ["[DEBUG] d"]);
});

test("unknown level", () => {
  assert.throws(() => levelValue("loud"));
  assert.throws(() => createLogger({ level: "loud" }));
});
