import { realpathSync } from 'node:fs';

/**
 * True when this module is the script node was started with (not imported by a test). Compares real paths, so a
 * path with spaces or through a symlink still counts (a `file://` string compare silently did nothing there).
 */
export const isMain = (metaFilename) => {
  const started = process.argv[1];
  if (!started) return false;
  try {
    return realpathSync(started) === realpathSync(metaFilename);
  } catch {
    return false;
  }
};
