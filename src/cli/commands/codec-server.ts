/**
 * `breakwater codec-server [--port <port>] [--host <host>]`: serves the Temporal codec-server
 * protocol with the configured encryption keys, so that the Web UI and `temporal workflow show
 * --codec-endpoint` show decrypted payloads, until SIGINT or SIGTERM.
 */
import { Command, Option } from 'commander';
import { encryptionCodec, startCodecServer } from '../../codec';
import { ConfigError } from '../../config';
import type { OpenContext } from '../context';

interface ServeOptions {
  port?: string;
  host?: string;
}

function portOf(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new RangeError('--port: must be an integer, 0 to 65535');
  return port;
}

function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function codecServerCommand(open: OpenContext): Command {
  return new Command('codec-server')
    .description(
      'serve /encode and /decode (the Temporal codec-server protocol) with the configured keys, for the Web UI and `temporal --codec-endpoint`',
    )
    .addOption(new Option('--port <port>', 'port (default BREAKWATER_CODEC_SERVER_PORT)'))
    .addOption(new Option('--host <host>', 'interface (default BREAKWATER_CODEC_SERVER_HOST)'))
    .action(async (options: ServeOptions) => {
      const port = options.port === undefined ? undefined : portOf(options.port);
      const context = open();
      const { encryption, codecServer } = context.config;
      const codec = encryptionCodec(encryption);
      if (!codec) {
        throw new ConfigError(
          encryption.mode === 'off' && encryption.keys.length > 0
            ? 'BREAKWATER_ENCRYPTION'
            : 'BREAKWATER_ENCRYPTION_KEYS',
          'codec-server needs encryption keys (and BREAKWATER_ENCRYPTION other than off)',
        );
      }
      const stopped = untilStopped();
      const server = await startCodecServer({
        codec,
        host: options.host ?? codecServer.host,
        port: port ?? codecServer.port,
        corsOrigins: codecServer.corsOrigins,
        ...(codecServer.token === undefined ? {} : { token: codecServer.token }),
      });
      context.print(`codec server listening on ${server.url}`);
      context.logger.info(
        {
          url: server.url,
          corsOrigins: codecServer.corsOrigins,
          bearerToken: codecServer.token !== undefined,
        },
        'codec server running',
      );
      await stopped;
      await server.close();
    });
}
