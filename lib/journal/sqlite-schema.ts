/**
 * The tables of a SQLite journal file: `segments` (the records of one commit
 * per row, packed; their state and failed tries), `dead_letters`, `set_aside`
 * (records that could not be decoded), `checkpoints` and `meta` (the next
 * position and the acknowledged watermark).
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segments (
  first INTEGER PRIMARY KEY, last INTEGER NOT NULL, state INTEGER NOT NULL, tries INTEGER NOT NULL,
  records BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, tries INTEGER NOT NULL,
  cause TEXT NOT NULL, records TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS set_aside (
  position INTEGER PRIMARY KEY, record TEXT NOT NULL, reason TEXT NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
