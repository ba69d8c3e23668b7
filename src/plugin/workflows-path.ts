import { extname, join } from 'node:path';

/**
 * Breakwater's workflows module, as a path the worker bundles: `.ts` beside the sources, `.js` in
 * the built package (this file's own extension tells which).
 */
export const WORKFLOWS_PATH = join(__dirname, '..', '..', 'workflows', `registered${extname(__filename)}`);
