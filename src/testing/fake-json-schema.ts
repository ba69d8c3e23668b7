/**
 * A small, deterministic generator of a JSON value that conforms to a JSON Schema: what the fake
 * provider answers to a `json_schema` response format. It knows object (properties, required),
 * array (items, minItems), string, number, integer, boolean, null, enum, const, nullable, anyOf /
 * oneOf (the first branch) and local `$ref`s into `$defs`; any other keyword is ignored.
 */
import { isObject as isSchema } from '../providers/wire-values';

type Schema = Record<string, unknown>;

/** Deeper than this, optional arrays come out empty, so that a recursive schema ends. */
const MAX_DEPTH = 4;

function resolveRef(ref: string, root: Schema): unknown {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match ? root[match[1]!] : undefined;
  return isSchema(defs) ? defs[match![2]!] : undefined;
}

/** The schema's type: the first non-null one of a list, else inferred from `properties` / `items`. */
function typeOf(schema: Schema): unknown {
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== 'null') ?? 'null';
  if (schema.type !== undefined) return schema.type;
  if (isSchema(schema.properties)) return 'object';
  return isSchema(schema.items) ? 'array' : undefined;
}

function numberOf(schema: Schema, integer: boolean): number {
  const minimum = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const exclusive = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  let value = minimum ?? (exclusive !== undefined ? exclusive + 1 : 0);
  if (integer) value = Math.ceil(value);
  return typeof schema.maximum === 'number' && value > schema.maximum ? schema.maximum : value;
}

function stringOf(schema: Schema): string {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  return 'sample'.padEnd(min, 'x').slice(0, max);
}

function valueOf(schema: unknown, root: Schema, depth: number): unknown {
  if (!isSchema(schema)) return null;
  if (typeof schema.$ref === 'string') return valueOf(resolveRef(schema.$ref, root), root, depth);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches) && branches.length > 0) return valueOf(branches[0], root, depth);
  switch (typeOf(schema)) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, property]) => [key, valueOf(property, root, depth + 1)]),
      );
    }
    case 'array': {
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : depth < MAX_DEPTH ? 1 : 0;
      return Array.from({ length: minItems }, () => valueOf(schema.items, root, depth + 1));
    }
    case 'string':
      return stringOf(schema);
    case 'integer':
      return numberOf(schema, true);
    case 'number':
      return numberOf(schema, false);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** A value conforming to `schema` (every declared property is filled in, required or not). */
export function sampleOf(schema: unknown): unknown {
  return valueOf(schema, isSchema(schema) ? schema : {}, 0);
}
