/** Public surface of the activities. */
export { createActivities, type ActivityDependencies } from './extract-memories';
export type { Activities } from './activity-types';
