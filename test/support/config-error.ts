/** The `ConfigError` that `loadConfig(env)` throws; fails the test when it accepts `env`. */
import { ConfigError, loadConfig } from '../../src/config';

export function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}
