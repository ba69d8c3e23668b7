/**
 * Redaction of personal data and secrets. Every log line and every stored error preview goes
 * through `redact`; prompt and response fields are dropped whole, whatever their content.
 */

/** Keys whose values are never logged, at any depth. */
const SENSITIVE_KEYS = new Set([
  'prompt',
  'prompts',
  'messages',
  'content',
  'text',
  'response',
  'completion',
  'body',
  'apikey',
  'api_key',
  'authorization',
  'x-api-key',
  'password',
  'secret',
  'token',
]);

interface Rule {
  label: string;
  pattern: RegExp;
  accept?: (match: string) => boolean;
}

function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

// Order matters: secrets before numbers, cards before phones, IPs before phones.
const RULES: readonly Rule[] = [
  { label: '[SECRET]', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g },
  { label: '[SECRET]', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { label: '[SECRET]', pattern: /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{16,}/g },
  { label: '[SECRET]', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { label: '[SECRET]', pattern: /\b(?:ghp|gho|ghs|ghu|github_pat|glpat|xox[abposr])[-_][A-Za-z0-9_-]{10,}/g },
  { label: '[SECRET]', pattern: /\b(?:api[_-]?key|secret|token|password)\s*[:=]\s*["']?[^\s"',;]{6,}/gi },
  { label: '[EMAIL]', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { label: '[CARD]', pattern: /\b\d(?:[ -]?\d){12,18}\b/g, accept: luhnValid },
  {
    label: '[IP]',
    pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g,
    // Loopback and unspecified addresses identify no one, and operators need them in URLs.
    accept: (match) => !/^(?:127\.|0\.0\.0\.0$)/.test(match),
  },
  { label: '[IP]', pattern: /\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b/g },
  {
    label: '[IP]',
    pattern: /\b(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])/g,
  },
  {
    label: '[PHONE]',
    // Not inside an identifier (UUIDs, hex ids): the run must stand on its own.
    pattern: /(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?![\w-])/g,
    accept: (match) => match.replace(/\D/g, '').length >= 9,
  },
];

/** Replaces emails, phone numbers, API keys and tokens, card numbers and IP addresses in `text`. */
export function redactText(text: string): string {
  let result = text;
  for (const rule of RULES) {
    result = result.replace(rule.pattern, (match) =>
      rule.accept && !rule.accept(match) ? match : rule.label,
    );
  }
  return result;
}

function describeDropped(value: unknown): string {
  if (Array.isArray(value)) return `[REDACTED ${value.length} items]`;
  if (typeof value === 'string') return `[REDACTED ${value.length} chars]`;
  return '[REDACTED]';
}

/**
 * Deep copy of `value` that is safe to log: sensitive keys are dropped, strings are redacted,
 * errors keep only their name, type and redacted message.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    const error: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string') error.type = type;
    return error;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEYS.has(key.toLowerCase()) ? describeDropped(item) : redact(item, depth + 1);
  }
  return out;
}
