import { levelValue } from "./levels.js";

/**
 * A logger that passes lines such as "[INFO] started" to `sink` (console.log by default),
 * dropping messages below `level`.
 */
export function createLogger({ level = "info", sink = console.log } = {}) {
  const threshold = levelValue(level);

  function log(name, message) {
    if (levelValue(name) >= threshold) {
      sink(`[${name.toUpperCase()}] ${message}`);
    }
  }

  return {
    debug: (message) => log("debug", message),
    info: (message) => log("info", message),
    warn: (message) => log("warn", message),
    error: (message) => log("error", message),
  };
}
