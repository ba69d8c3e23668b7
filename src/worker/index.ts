/** `breakwater/worker`: a Breakwater worker, either whole (`createWorker`) or added to yours (`BreakwaterPlugin`). */
export { createWorker } from './create-worker';
export { bundleWorkflows, type BundleWorkflowsOptions } from './bundle-workflows';
export type { BreakwaterWorker, CreateWorkerOptions } from './create-worker';
export { BreakwaterPlugin } from '../plugin/breakwater-plugin';
export type { BreakwaterPluginOptions } from '../plugin/breakwater-plugin';
export { installTemporalRuntime } from '../plugin/temporal-runtime';
export type { RuntimeOwner } from '../plugin/temporal-runtime';
export {
  TRACING_INTERCEPTORS_PATH,
  UNDECRYPTABLE_INTERCEPTORS_PATH,
  WORKFLOWS_PATH,
} from '../plugin/workflows-path';
export { createActivities } from '../../activities';
export type { BreakwaterActivities, FailedTask, LlmCallInput, LlmCallResult } from '../../activities';
export { breakwaterAiSdkPlugin, breakwaterMiddleware, guardedProvider } from '../ai-sdk';
export type { AiSdkFallback, AiSdkGuardOptions, AiSdkModels, BreakwaterCallOptions } from '../ai-sdk';
export type { BreakerStateChange } from '../guard/redis-guard';
export type { SlowCall, SlowCallHook } from '../../activities/slow-calls';
