/**
 * The fake provider's admin HTTP API, per scenario:
 *   POST   /_admin/s/<scenario>/faults     add a FaultRule (JSON)
 *   DELETE /_admin/s/<scenario>/faults     reset the scenario (faults, settings, counters, requests)
 *   GET    /_admin/s/<scenario>/stats      counters
 *   PUT    /_admin/s/<scenario>/settings   replace its settings (JSON: script, cachedPromptTokens, …)
 *   GET    /_admin/s/<scenario>/settings   its settings
 *   GET    /_admin/s/<scenario>/requests   the request bodies it received (the latest 100)
 * A rejected fault or settings body answers 400 with a message that starts with the bad field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultRule } from './fake-faults';
import { readBody, sendJson } from './fake-http';
import type { FakeScenario } from './fake-scenario';
import type { ScenarioSettings } from './fake-script';

/** The admin routes: [, scenario name, resource]. */
export const ADMIN_ROUTE = /^\/_admin\/s\/([^/]+)\/(faults|stats|settings|requests)$/;

/** Applies the JSON body of `req` with `apply`; a body it refuses is a 400 of type `errorType`. */
async function update(
  req: IncomingMessage,
  res: ServerResponse,
  errorType: string,
  apply: (body: unknown) => unknown,
  status: number,
): Promise<void> {
  try {
    apply(JSON.parse(await readBody(req)));
  } catch (error) {
    return sendJson(res, 400, { error: { type: errorType, message: (error as Error).message } });
  }
  sendJson(res, status, { ok: true });
}

/** Serves one admin request on `scenario`'s `resource`. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  scenario: FakeScenario,
  resource: string,
): Promise<void> {
  switch (`${req.method} ${resource}`) {
    case 'GET stats':
      return sendJson(res, 200, scenario.stats);
    case 'GET settings':
      return sendJson(res, 200, scenario.settings);
    case 'GET requests':
      return sendJson(res, 200, scenario.requests);
    case 'DELETE faults':
      scenario.reset();
      return sendJson(res, 200, { ok: true });
    case 'POST faults':
      return update(req, res, 'invalid_fault', (body) => scenario.inject(body as FaultRule), 201);
    case 'PUT settings':
      return update(
        req,
        res,
        'invalid_settings',
        (body) => scenario.configure(body as ScenarioSettings),
        200,
      );
    default:
      return sendJson(res, 405, { error: { type: 'method_not_allowed' } });
  }
}
