import { extname, join } from 'node:path';

/** A module of `workflows/`, as a path the worker bundles: `.ts` beside the sources, `.js` in the built package (this file's own extension tells which). */
function workflowsModule(name: string): string {
  return join(__dirname, '..', '..', 'workflows', `${name}${extname(__filename)}`);
}

/** Breakwater's workflows module. */
export const WORKFLOWS_PATH = workflowsModule('registered');

/** The workflow interceptors that fail a workflow whose input or activity result did not decrypt. */
export const UNDECRYPTABLE_INTERCEPTORS_PATH = workflowsModule('undecryptable-interceptors');

/** Temporal's OpenTelemetry workflow interceptors: the workflow's span, and its context sent to its activities. */
export const TRACING_INTERCEPTORS_PATH =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
