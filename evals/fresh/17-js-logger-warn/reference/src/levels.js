// Log levels: a message is written when its level is at or above the logger's level.

export const LEVELS = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

/** The numeric value of a level name; throws for unknown names. */
export function levelValue(name) {
  if (!Object.hasOwn(LEVELS, name)) {
    throw new Error(`unknown log level: ${name}`);
  }
  return LEVELS[name];
}
