/** The activity interface as a type, for `proxyActivities` in workflow code (type-only import). */
import type { createActivities } from './create-activities';

export type Activities = ReturnType<typeof createActivities>;
