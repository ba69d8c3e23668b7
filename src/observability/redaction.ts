/**
 * Redaction of personal data and secrets. Every log line and every stored error preview goes
 * through `redact`; prompt and response fields are dropped whole, whatever their content.
 *
 * Identifiers (idempotency keys, workflow and run ids, ...) are exempt from the text rules when they
 * have the shape the client validates, both as fields and where they appear in text: a demo id
 * such as `demo-20261201210121-007` can pass the Luhn check, and must still match its workflow.
 */

/** Keys whose values are never logged, at any depth; compared in lower case. */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
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

/** Keys whose values are identifiers, compared in lower case. */
const IDENTIFIER_KEYS = new Set([
  'idempotencykey',
  'workflowid',
  'runid',
  'jobid',
  'taskqueue',
  'activityid',
  'attemptid',
]);

/**
 * A validated identifier: the client's shape for an idempotency key (letters, digits, `.`, `_`, `:`
 * and `-`, starting with a letter or digit), which also holds the workflow ids derived from it,
 * Temporal's run ids (UUIDs), activity ids and task queue names. 255 characters at most: the
 * longest key (200) with the workflow id's prefix.
 */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

/** An identifier named in text: `workflowId=…`, `runId: …`, `"taskQueue":"…"`, `jobId …`. */
const LABELED_IDENTIFIER =
  /\b(?:idempotencyKey|workflowId|runId|jobId|taskQueue|activityId|attemptId)["']?(?:\s*[:=]\s*|\s+)["']?([A-Za-z0-9][A-Za-z0-9._:-]{0,254})/gi;

/** Whether `value` is an identifier of the validated shape. */
export function isValidatedIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

interface Rule {
  label: string;
  pattern: RegExp;
  accept?: (match: string) => boolean;
  /** The replacement of an accepted match, when it is not the whole match. */
  replace?: (match: string) => string;
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

/** ISO 13616 check: the country and check digits moved to the end, letters as 10..35, mod 97 is 1. */
function ibanValid(candidate: string): boolean {
  const iban = candidate.toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  let remainder = 0;
  for (const char of iban.slice(4) + iban.slice(0, 4)) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/**
 * The longest run of the IBAN-shaped match's groups that passes the check, replaced; the groups
 * after it (a word the pattern took as one more group) are kept.
 */
function redactIban(match: string): string {
  const groups = match.split(' ');
  for (let count = groups.length; count > 0; count--) {
    if (ibanValid(groups.slice(0, count).join(''))) {
      return ['[IBAN]', ...groups.slice(count)].join(' ');
    }
  }
  return match;
}

// Order matters: secrets before numbers, IBANs before cards, cards before phones, IPs before phones.
const RULES: readonly Rule[] = [
  { label: '[SECRET]', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g },
  { label: '[SECRET]', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { label: '[SECRET]', pattern: /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{16,}/g },
  { label: '[SECRET]', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { label: '[SECRET]', pattern: /\b(?:ghp|gho|ghs|ghu|github_pat|glpat|xox[abposr])[-_][A-Za-z0-9_-]{10,}/g },
  { label: '[SECRET]', pattern: /\b(?:api[_-]?key|secret|token|password)\s*[:=]\s*["']?[^\s"',;]{6,}/gi },
  { label: '[EMAIL]', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  {
    label: '[IBAN]',
    // Printed in groups of four or run together; lower case too.
    pattern: /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b/g,
    replace: redactIban,
  },
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

/** The [start, end) spans of `text` that are identifiers: the `known` ones and the labeled ones. */
function identifierSpans(text: string, known: ReadonlySet<string>): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const identifier of known) {
    for (let at = text.indexOf(identifier); at >= 0; at = text.indexOf(identifier, at + 1)) {
      spans.push([at, at + identifier.length]);
    }
  }
  for (const labeled of text.matchAll(LABELED_IDENTIFIER)) {
    const value = labeled[1] ?? '';
    const end = (labeled.index ?? 0) + labeled[0].length;
    spans.push([end - value.length, end]);
  }
  return spans;
}

const NO_IDENTIFIERS: ReadonlySet<string> = new Set();

/**
 * Replaces emails, phone numbers, API keys and tokens, card numbers, IBANs and IP addresses in
 * `text`. A match that lies wholly inside an identifier (one of `identifiers`, or one named by its
 * label such as `workflowId=…`) is kept; a match that only overlaps one is still replaced.
 */
export function redactText(text: string, identifiers: ReadonlySet<string> = NO_IDENTIFIERS): string {
  const known = new Set([...identifiers].filter(isValidatedIdentifier));
  const mayHoldIdentifiers = known.size > 0 || LABELED_IDENTIFIER.test(text);
  LABELED_IDENTIFIER.lastIndex = 0;
  let result = text;
  for (const rule of RULES) {
    let spans: Array<[number, number]> | undefined;
    result = result.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      if (rule.accept && !rule.accept(match)) return match;
      if (mayHoldIdentifiers) {
        const offset = rest[rest.length - 2] as number;
        const current = rest[rest.length - 1] as string;
        spans ??= identifierSpans(current, known);
        if (spans.some(([start, end]) => start <= offset && offset + match.length <= end)) return match;
      }
      return rule.replace ? rule.replace(match) : rule.label;
    });
  }
  return result;
}

function describeDropped(value: unknown): string {
  if (Array.isArray(value)) return `[REDACTED ${value.length} items]`;
  if (typeof value === 'string') return `[REDACTED ${value.length} chars]`;
  return '[REDACTED]';
}

const MAX_DEPTH = 8;

/** Adds to `found` the validated identifiers held by identifier keys anywhere in `value`. */
export function collectIdentifiers(value: unknown, found: Set<string> = new Set(), depth = 0): Set<string> {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Date) return found;
  if (value instanceof Error) return found;
  if (Array.isArray(value)) {
    for (const item of value) collectIdentifiers(item, found, depth + 1);
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    const lowerKey = key.toLowerCase();
    if (IDENTIFIER_KEYS.has(lowerKey)) {
      if (isValidatedIdentifier(item)) found.add(item);
    } else if (!SENSITIVE_KEYS.has(lowerKey)) {
      collectIdentifiers(item, found, depth + 1);
    }
  }
  return found;
}

function redactValue(value: unknown, identifiers: ReadonlySet<string>, depth: number): unknown {
  if (depth > MAX_DEPTH) return '[TRUNCATED]';
  if (typeof value === 'string') return redactText(value, identifiers);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    const error: Record<string, unknown> = {
      name: value.name,
      message: redactText(value.message, identifiers),
    };
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string') error.type = type;
    return error;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, identifiers, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const lowerKey = key.toLowerCase();
    if (SENSITIVE_KEYS.has(lowerKey)) out[key] = describeDropped(item);
    else if (IDENTIFIER_KEYS.has(lowerKey) && isValidatedIdentifier(item)) out[key] = item;
    else out[key] = redactValue(item, identifiers, depth + 1);
  }
  return out;
}

/**
 * Deep copy of `value` that is safe to log: sensitive keys are dropped, strings are redacted,
 * errors keep only their name, type and redacted message. Identifier fields of the validated shape
 * are kept whole, and so are the `identifiers` (by default, those fields' values) inside strings.
 */
export function redact(
  value: unknown,
  identifiers: ReadonlySet<string> = collectIdentifiers(value),
): unknown {
  return redactValue(value, identifiers, 0);
}
