/** Workflow entry point for the worker bundle: exports every workflow type the worker registers. */
export { threadWorkflow } from './thread-workflow';
