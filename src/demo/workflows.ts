/** The demo worker's workflows: Breakwater's tasks, and the example tool-using agent. */
export { llmTask } from '../../workflows';
export { orderAgent } from '../../workflows/examples/order-agent';
