/** Breakwater's guard around the model calls of AI SDK agents on Temporal (`@temporalio/ai-sdk`). */
export { BREAKWATER_OPTIONS_KEY, type BreakwaterCallOptions } from './call-options';
export {
  breakwaterMiddleware,
  type AiSdkFallback,
  type AiSdkGuardOptions,
  type AiSdkModels,
} from './guard-middleware';
export { breakwaterAiSdkPlugin, guardedProvider, type AiSdkProviderDeps } from './guarded-provider';
export type { AiSdkGuardDeps } from './types';
