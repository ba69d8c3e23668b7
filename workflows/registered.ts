/** The workflow types a Breakwater worker registers by default (`WORKFLOWS_PATH`). */
export { llmTask } from './llm-task';
