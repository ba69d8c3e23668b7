/**
 * The Temporal connection, loaded the way the `temporal` CLI loads it (`@temporalio/envconfig`): a
 * profile of the TOML file (`TEMPORAL_CONFIG_FILE`, else `~/.config/temporalio/temporal.toml`),
 * overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and
 * `TEMPORAL_GRPC_META_*`. Certificates are read here, at start-up, so a wrong path names its source.
 */
import { existsSync } from 'node:fs';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import { ConfigError } from './config-error';
import type { TemporalConnectionSettings } from './types';
import type { VariableValues } from './variable-table';
import type { ENV_VARIABLES } from './variables';

type Env = Record<string, string | undefined>;
/** The values of the `TEMPORAL_*` rows, the only ones a connection is read from. */
type Values = Pick<
  VariableValues<typeof ENV_VARIABLES>,
  Extract<keyof typeof ENV_VARIABLES, `TEMPORAL_${string}`>
>;

const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';
const DEFAULT_PROFILE = 'default';

/** Each file of the TLS settings: its field, its TOML key and the variable that sets it. */
const TLS_FILES = [
  { field: 'clientCert', toml: 'client_cert_path', variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH' },
  { field: 'clientKey', toml: 'client_key_path', variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH' },
  { field: 'serverCACert', toml: 'server_ca_cert_path', variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH' },
] as const;

/**
 * The connection settings of the selected profile, with `env` applied over it.
 *
 * @throws ConfigError naming the variable (or the TOML file and key) of a wrong setting.
 */
export function loadTemporalConnection(values: Values, env: Env): TemporalConnectionSettings {
  if (values.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === true) {
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
      "is not supported by Temporal's TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name the server's certificate carries",
    );
  }
  const profile = readProfile(values, env);
  checkTlsFiles(profile.tls, values.TEMPORAL_PROFILE ?? DEFAULT_PROFILE);
  const { connectionOptions, namespace } = toClientOptions(profile);
  const settings: TemporalConnectionSettings = {
    address: connectionOptions.address ?? DEFAULT_ADDRESS,
    namespace: namespace ?? DEFAULT_NAMESPACE,
  };
  if (connectionOptions.apiKey !== undefined) settings.apiKey = connectionOptions.apiKey;
  if (connectionOptions.tls !== undefined && connectionOptions.tls !== null) {
    settings.tls = connectionOptions.tls;
  }
  if (profile.grpcMeta !== undefined) settings.metadata = profile.grpcMeta;
  return settings;
}

/** The profile, read by envconfig from the environment as `readVariables` read it (trimmed, blanks unset). */
function readProfile(values: Values, env: Env): ClientConfigProfile {
  const profileEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') profileEnv[name] = value.trim();
  }
  if (values.TEMPORAL_TLS !== undefined) profileEnv.TEMPORAL_TLS = String(values.TEMPORAL_TLS);
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: profileEnv });
  } catch (error) {
    const message = (error as Error).message;
    if (values.TEMPORAL_PROFILE !== undefined && /^Profile '.*' not found/.test(message)) {
      throw new ConfigError('TEMPORAL_PROFILE', `no profile '${values.TEMPORAL_PROFILE}' in the config file`);
    }
    const both = /^Cannot specify both (\w+)_path and/.exec(message)?.[1]?.toUpperCase();
    if (both !== undefined && profileEnv[`TEMPORAL_TLS_${both}_PATH`] !== undefined) {
      throw new ConfigError(
        `TEMPORAL_TLS_${both}_PATH`,
        `TEMPORAL_TLS_${both}_DATA is set too (or the profile's): give one`,
      );
    }
    throw new ConfigError('TEMPORAL_CONFIG_FILE', message);
  }
  checkClientPair(profile.tls);
  return profile;
}

/** A client certificate without its key (or the other way round) would connect without mTLS. */
function checkClientPair(tls: ClientConfigTLS | undefined): void {
  if (tls === undefined || tls.disabled === true) return;
  if (tls.clientCert === undefined && tls.clientKey !== undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'is required with a client key: mTLS needs both (or TEMPORAL_TLS_CLIENT_CERT_DATA)',
    );
  }
  if (tls.clientKey === undefined && tls.clientCert !== undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'is required with a client certificate: mTLS needs both (or TEMPORAL_TLS_CLIENT_KEY_DATA)',
    );
  }
}

/** A path the TOML file gives (the variables' paths were checked by their schema) must exist. */
function checkTlsFiles(tls: ClientConfigTLS | undefined, profileName: string): void {
  if (tls === undefined || tls.disabled === true) return;
  for (const file of TLS_FILES) {
    const source = tls[file.field];
    if (source !== undefined && 'path' in source && !existsSync(source.path)) {
      throw new ConfigError(
        'TEMPORAL_CONFIG_FILE',
        `profile '${profileName}' ${file.toml}: no such file '${source.path}' (or set ${file.variable})`,
      );
    }
  }
}
