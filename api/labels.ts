// Label selectors as kubectl's `-l` and the `labelSelector` query parameter
// take them (apimachinery's labels.Parse grammar), label matching, and the
// `k=v,k2=v2` lists of `--labels` flags. Pure functions: the apiserver, the
// endpoints controller and the CLI all use these.

import { ApiError } from './errors.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';
import type { Labels } from './types.ts';

export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** Sorted and unique, as Kubernetes keeps them; empty for exists / `!`. */
  values: string[];
}

/** All requirements must hold (AND). No requirements: matches everything. */
export interface Selector {
  requirements: Requirement[];
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

type TokenKind = 'id' | 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
}

const SYMBOLS: TokenKind[] = ['!=', '==', '!', '=', '>', '<', '(', ')', ','];
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSymbolStart = (ch: string) => '!=<>(),'.includes(ch);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol) {
      tokens.push({ kind: symbol, text: symbol });
      i += symbol.length;
      continue;
    }
    let end = i;
    while (end < text.length && !isSpace(text[end]) && !isSymbolStart(text[end])) end++;
    const word = text.slice(i, end);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', text: word });
    i = end;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

const fail = (detail: string): never => {
  throw new ApiError('BadRequest', `unable to parse requirement: ${detail}`);
};

/** Cursor over tokens. In value position `in`/`notin` are plain words, as in Kubernetes. */
class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(asValue = true): Token {
    return this.asValue(this.tokens[this.pos], asValue);
  }
  next(asValue = true): Token {
    const tok = this.tokens[this.pos];
    if (this.pos < this.tokens.length - 1) this.pos++;
    return this.asValue(tok, asValue);
  }
  private asValue(tok: Token, asValue: boolean): Token {
    return asValue && (tok.kind === 'in' || tok.kind === 'notin') ? { kind: 'id', text: tok.text } : tok;
  }
}

function parseRequirement(p: Parser): Requirement {
  let tok = p.next();
  let negated = false;
  if (tok.kind === '!') {
    negated = true;
    tok = p.next();
  }
  if (tok.kind !== 'id') fail(`found '${tok.text}', expected: identifier`);
  const key = tok.text;
  const after = p.peek().kind;
  if (negated || after === 'end' || after === ',') {
    if (negated && after !== 'end' && after !== ',') fail(`found '${p.peek().text}', expected: ',' or 'end of string'`);
    return requirement(key, negated ? '!' : 'exists', []);
  }
  const op = p.next(false);
  switch (op.kind) {
    case 'in':
    case 'notin':
      return requirement(key, op.kind, parseValueList(p));
    case '=':
    case '==':
    case '!=':
      return requirement(key, op.kind, [parseExactValue(p)]);
    case '>':
    case '<':
      return requirement(key, op.kind === '>' ? 'gt' : 'lt', [parseExactValue(p)]);
    default:
      return fail(`found '${op.text}', expected: ${BINARY_OPERATORS}`);
  }
}

function parseExactValue(p: Parser): string {
  const tok = p.peek();
  if (tok.kind === 'end' || tok.kind === ',') return ''; // `a=` selects an empty value
  p.next();
  if (tok.kind !== 'id') fail(`found '${tok.text}', expected: identifier`);
  return tok.text;
}

function parseValueList(p: Parser): string[] {
  const open = p.next();
  if (open.kind !== '(') fail(`found '${open.text}' expected: '('`);
  const values = new Set<string>();
  const first = p.peek();
  if (first.kind === ')') {
    p.next();
    return [''];
  }
  if (first.kind !== 'id' && first.kind !== ',') fail(`found '${first.text}', expected: ',', ')' or identifier`);
  // Kubernetes reads empty entries (`(a,,b)`, `(,a)`) as the empty value.
  let expectValue = true;
  for (;;) {
    const tok = p.next();
    if (tok.kind === 'id' && expectValue) {
      values.add(tok.text);
      expectValue = false;
      const after = p.peek();
      if (after.kind !== ',' && after.kind !== ')') fail(`found '${after.text}', expected: ',' or ')'`);
    } else if (tok.kind === ',') {
      if (expectValue) values.add('');
      expectValue = true;
    } else if (tok.kind === ')') {
      if (expectValue) values.add('');
      return [...values];
    } else {
      fail(`found '${tok.text}', expected: ',', or identifier`);
    }
  }
}

function requirement(key: string, operator: SelectorOperator, rawValues: string[]): Requirement {
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length) fail(`invalid label key "${key}": ${keyErrors.join('; ')}`);
  const values = [...new Set(rawValues)].sort();
  if ((operator === 'in' || operator === 'notin') && values.length === 0) {
    fail("for 'in', 'notin' operators, values set can't be empty");
  }
  if (operator === 'gt' || operator === 'lt') {
    if (!/^-?\d+$/.test(values[0] ?? '')) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
  } else {
    for (const v of values) {
      const errs = isValidLabelValue(v);
      if (errs.length) fail(`invalid label value: "${v}": at key: "${key}": ${errs.join('; ')}`);
    }
  }
  return { key, operator, values };
}

/**
 * Parses kubectl's `-l` syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, `a>1`, comma-separated (all must hold).
 * Throws ApiError('BadRequest', `unable to parse requirement: ...`).
 */
export function parseSelector(text: string): Selector {
  const p = new Parser(tokenize(text));
  const requirements: Requirement[] = [];
  for (;;) {
    const tok = p.peek();
    if (tok.kind === 'end') return { requirements };
    if (tok.kind !== 'id' && tok.kind !== '!') fail(`found '${tok.text}', expected: !, identifier, or 'end of string'`);
    requirements.push(parseRequirement(p));
    const sep = p.next();
    if (sep.kind === 'end') return { requirements };
    if (sep.kind !== ',') fail(`found '${sep.text}', expected: ',' or 'end of string'`);
    const after = p.peek();
    if (after.kind !== 'id' && after.kind !== '!') fail(`found '${after.text}', expected: identifier after ','`);
  }
}

/** The selector that matches everything (an empty `-l`). */
export const EVERYTHING: Selector = Object.freeze({ requirements: [] }) as Selector;

function matchesRequirement(labels: Labels, r: Requirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

export function matchesSelector(labels: Labels | undefined, selector: Selector): boolean {
  const set = labels ?? {};
  return selector.requirements.every((r) => matchesRequirement(set, r));
}

/**
 * A Service's `spec.selector`: every key present with the same value.
 * An empty or missing selector matches NOTHING here, unlike an empty `-l`:
 * Kubernetes serialises an empty selector map away, so such a Service is a
 * "no selector" Service whose Endpoints are managed by hand (like kube-dns in
 * minik), never one that selects every pod.
 */
export function matchesLabels(labels: Labels | undefined, selector: Labels | undefined): boolean {
  const keys = Object.keys(selector ?? {});
  if (keys.length === 0) return false;
  const set = labels ?? {};
  return keys.every((k) => Object.prototype.hasOwnProperty.call(set, k) && set[k] === selector![k]);
}

/** Turns a Service-style map into the equivalent selector (`a=b,c=d`). */
export function selectorFromLabels(map: Labels): Selector {
  return {
    requirements: Object.keys(map)
      .sort()
      .map((key) => ({ key, operator: '=' as const, values: [map[key]] })),
  };
}

/** Prints a selector back in `-l` syntax (`app=web,tier in (a,b),!legacy`). */
export function formatSelector(selector: Selector): string {
  return selector.requirements
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}

/**
 * `--labels k=v,k2=v2` / `--selector k=v` flags: a plain map, each key and
 * value checked as Kubernetes checks labels. Throws ApiError('BadRequest').
 */
export function parseLabelList(text: string): Labels {
  const labels: Labels = {};
  if (text.trim() === '') return labels;
  for (const item of text.split(',')) {
    const parts = item.split('=');
    if (parts.length !== 2) throw new ApiError('BadRequest', `unexpected label spec: ${item}`);
    const [key, value] = parts.map((s) => s.trim());
    if (key === '') throw new ApiError('BadRequest', 'unexpected empty label key');
    const keyErrors = isQualifiedName(key);
    if (keyErrors.length) throw new ApiError('BadRequest', `invalid label key "${key}": ${keyErrors.join('; ')}`);
    const valueErrors = isValidLabelValue(value);
    if (valueErrors.length) {
      throw new ApiError('BadRequest', `invalid label value: "${value}": at key: "${key}": ${valueErrors.join('; ')}`);
    }
    labels[key] = value;
  }
  return labels;
}

/** As kubectl prints labels (`--show-labels`, describe): sorted `k=v,...`, or `<none>`. */
export function formatLabels(labels: Labels | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}
