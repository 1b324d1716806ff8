/** Public surface of the activities. */
export { createActivities } from './create-activities';
export type { ActivityDependencies } from './dependencies';
export type { Activities } from './activity-types';
