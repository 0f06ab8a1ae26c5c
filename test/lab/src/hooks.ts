// node:test's before/after exist at run time on Node >= 16.18, but @types/node 16 does not
// declare them: one typed re-export for every test file.
import * as nodeTest from 'node:test';

type Hook = (fn: () => void | Promise<void>) => void;
export const { before, after } = nodeTest as unknown as { before: Hook; after: Hook };
