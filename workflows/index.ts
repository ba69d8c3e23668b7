/** Workflow types registered on a Breakwater worker. */
export { llmTask } from './llm-task';
