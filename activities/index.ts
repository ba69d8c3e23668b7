/** The activities of a Breakwater worker, built from injected dependencies. */
import { createLlmCall, type LlmCallDeps } from './llm-call';
import { createRouteFailedTask, type RouteFailedTaskDeps } from './route-failed-task';

export type ActivityDeps = LlmCallDeps & RouteFailedTaskDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    llmCall: createLlmCall(deps),
    routeFailedTask: createRouteFailedTask(deps),
  };
}

/** The activity interface that workflows proxy (imported as a type only). */
export type BreakwaterActivities = ReturnType<typeof createActivities>;
export type { LlmCallInput, LlmCallResult } from './llm-call';
export type { FailedTask } from './route-failed-task';
