/** tf.data for deepts: `import { data } from 'deepts'` → data.Dataset, data.AUTOTUNE, ... */
export { Dataset, AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, registerCacheFileStore } from './dataset.js';
export { DatasetError, type ElementIterator, type MaybePromise } from './iterator.js';
export type { CacheStore } from './buffered-ops.js';
export type { Element, SliceInput, Sliced, Batched, Unbatched } from './structure.js';
