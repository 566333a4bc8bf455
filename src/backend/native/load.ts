/** Loads the N-API addon if it was built. Owned by the native-backend work (issue 3). */
import type { Backend } from '../registry.js';

export function loadNativeBackend(): Backend | null {
  return null;
}
