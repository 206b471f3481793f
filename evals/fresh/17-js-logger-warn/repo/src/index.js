export { createLogger } from "./logger.js";
export { LEVELS, levelValue } from "./levels.js";
