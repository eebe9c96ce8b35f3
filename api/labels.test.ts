import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from './errors.ts';
import {
  formatLabels,
  formatSelector,
  matchesLabels,
  matchesSelector,
  parseLabelList,
  parseSelector,
  selectorFromLabels,
} from './labels.ts';

const matches = (selector: string, labels: Record<string, string>) => matchesSelector(labels, parseSelector(selector));

function parseError(text: string): ApiError {
  try {
    parseSelector(text);
  } catch (err) {
    assert.instance(err, ApiError);
    return err as ApiError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

test('parses every operator kubectl accepts', () => {
  const sel = parseSelector('app=web, tier==front,env!=prod,zone in (b,a),track notin (canary),ready,!legacy,gen>3,age<10');
  assert.equal(
    sel.requirements.map((r) => [r.key, r.operator, r.values]),
    [
      ['app', '=', ['web']],
      ['tier', '==', ['front']],
      ['env', '!=', ['prod']],
      ['zone', 'in', ['a', 'b']],
      ['track', 'notin', ['canary']],
      ['ready', 'exists', []],
      ['legacy', '!', []],
      ['gen', 'gt', ['3']],
      ['age', 'lt', ['10']],
    ],
  );
});

test('empty selector matches everything', () => {
  assert.equal(parseSelector('').requirements, []);
  assert.ok(matches('', {}));
  assert.ok(matches('   ', { a: 'b' }));
});

test('equality and inequality', () => {
  assert.ok(matches('app=web', { app: 'web', x: 'y' }));
  assert.not.ok(matches('app=web', { app: 'db' }));
  assert.not.ok(matches('app=web', {}));
  assert.ok(matches('app!=web', {}), '!= matches a missing key, as in Kubernetes');
  assert.ok(matches('app!=web', { app: 'db' }));
  assert.not.ok(matches('app!=web', { app: 'web' }));
});

test('set-based operators', () => {
  assert.ok(matches('env in (prod, staging)', { env: 'staging' }));
  assert.not.ok(matches('env in (prod,staging)', { env: 'dev' }));
  assert.not.ok(matches('env in (prod)', {}));
  assert.ok(matches('env notin (prod)', {}));
  assert.not.ok(matches('env notin (prod)', { env: 'prod' }));
  assert.ok(matches('env', { env: '' }));
  assert.not.ok(matches('env', {}));
  assert.ok(matches('!env', {}));
  assert.not.ok(matches('!env', { env: 'x' }));
  assert.ok(matches('a=1,b=2', { a: '1', b: '2' }));
  assert.not.ok(matches('a=1,b=2', { a: '1', b: '3' }));
});

test('in and notin are plain values inside a list, keywords after a key', () => {
  assert.ok(matches('mode in (in,notin)', { mode: 'notin' }));
  assert.ok(matches('a=in', { a: 'in' }));
});

test('empty value forms: a=, a in ()', () => {
  assert.ok(matches('a=', { a: '' }));
  assert.not.ok(matches('a=', { a: 'x' }));
  assert.equal(parseSelector('a in ()').requirements[0].values, ['']);
});

test('gt and lt compare integers', () => {
  assert.ok(matches('gen>3', { gen: '4' }));
  assert.not.ok(matches('gen>3', { gen: '3' }));
  assert.not.ok(matches('gen>3', { gen: 'x' }));
  assert.ok(matches('gen<3', { gen: '-1' }));
  assert.match(parseError('gen>x').message, "the value must be an integer");
});

test('bad selectors fail with Kubernetes wording', () => {
  const cases: [string, string][] = [
    ['a in (x', "found '', expected: ',' or ')'"],
    ['a in x', "found 'x' expected: '('"],
    ['a b', "found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['=b', "found '=', expected: !, identifier, or 'end of string'"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=(b)', "found '(', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['-bad=x', 'invalid label key "-bad"'],
    ['a=-x-', 'invalid label value: "-x-": at key: "a"'],
  ];
  for (const [input, detail] of cases) {
    const err = parseError(input);
    assert.is(err.reason, 'BadRequest', input);
    assert.is(err.code, 400);
    assert.ok(err.message.startsWith('unable to parse requirement: '), `${input}: ${err.message}`);
    assert.ok(err.message.includes(detail), `${input}: got ${err.message}`);
  }
});

test('matchesLabels: every selector key must be equal', () => {
  assert.ok(matchesLabels({ app: 'echo', run: 'x' }, { app: 'echo' }));
  assert.not.ok(matchesLabels({ app: 'echo' }, { app: 'echo', tier: 'web' }));
  assert.not.ok(matchesLabels({ app: 'web' }, { app: 'echo' }));
  assert.not.ok(matchesLabels(undefined, { app: 'echo' }));
});

test('matchesLabels: an empty Service selector selects nothing', () => {
  assert.not.ok(matchesLabels({ app: 'echo' }, {}));
  assert.not.ok(matchesLabels({ app: 'echo' }, undefined));
});

test('selectorFromLabels and formatSelector round-trip', () => {
  const sel = selectorFromLabels({ tier: 'web', app: 'echo' });
  assert.is(formatSelector(sel), 'app=echo,tier=web');
  assert.ok(matchesSelector({ app: 'echo', tier: 'web' }, sel));
  const text = 'env in (a,b),!legacy,ready,gen>3,x!=y';
  assert.is(formatSelector(parseSelector(text)), text);
});

test('parseLabelList reads --labels flags', () => {
  assert.equal(parseLabelList('app=web,tier=front'), { app: 'web', tier: 'front' });
  assert.equal(parseLabelList('example.com/team=net'), { 'example.com/team': 'net' });
  assert.equal(parseLabelList(''), {});
  assert.equal(parseLabelList('a='), { a: '' });
});

test('parseLabelList rejects bad entries', () => {
  const cases: [string, string][] = [
    ['app', 'unexpected label spec: app'],
    ['a=b=c', 'unexpected label spec: a=b=c'],
    ['=x', 'unexpected empty label key'],
    ['Bad Key=x', 'invalid label key "Bad Key"'],
    ['a=has space', 'invalid label value: "has space": at key: "a"'],
    [`a=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
  ];
  for (const [input, detail] of cases) {
    try {
      parseLabelList(input);
      assert.unreachable(`${input} should fail`);
    } catch (err) {
      assert.instance(err, ApiError);
      assert.is((err as ApiError).reason, 'BadRequest');
      assert.ok((err as Error).message.includes(detail), `${input}: ${(err as Error).message}`);
    }
  }
});

test('formatLabels prints like kubectl', () => {
  assert.is(formatLabels({ run: 'web', app: 'echo' }), 'app=echo,run=web');
  assert.is(formatLabels({}), '<none>');
  assert.is(formatLabels(undefined), '<none>');
});

test.run();
