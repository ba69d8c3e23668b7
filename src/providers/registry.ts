import type { ProviderConfig } from '../config';
import { NonRetryableInputError, type ErrorContext } from '../errors';
import { AnthropicAdapter } from './anthropic';
import { OpenAiCompatibleAdapter } from './openai';
import type { ProviderAdapter } from './types';

/** The providers configured on a worker, by name. */
export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(adapters: Iterable<ProviderAdapter>) {
    for (const adapter of adapters) this.adapters.set(adapter.name, adapter);
  }

  static fromConfig(providers: readonly ProviderConfig[]): ProviderRegistry {
    return new ProviderRegistry(
      providers.map((provider) =>
        provider.kind === 'anthropic'
          ? new AnthropicAdapter(provider.name, provider.baseUrl, provider.apiKey, provider.apiVersion)
          : new OpenAiCompatibleAdapter(provider.name, provider.baseUrl, provider.apiKey),
      ),
    );
  }

  names(): string[] {
    return [...this.adapters.keys()];
  }

  /** The adapter for `name`; an unknown name is an input error that names the field. */
  get(name: string, context: Partial<ErrorContext> = {}): ProviderAdapter {
    const adapter = this.adapters.get(name);
    if (!adapter) {
      throw new NonRetryableInputError(
        `provider '${name}' is not configured on this worker (configured: ${this.names().join(', ') || 'none'})`,
        'request.provider',
        context,
      );
    }
    return adapter;
  }
}
