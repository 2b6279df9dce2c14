/**
 * Static checks of a parsed CEL filter, so mistakes are reported when the manifest is linted
 * rather than silently filtering every event out at run time:
 * - every variable is `event` (or bound by a macro such as `exists(x, ...)`) or a type name;
 * - every function exists in the environment;
 * - each part that does not depend on the event is evaluated once: a type error there
 *   (`1 + "a"`, `int("x")`, `size(1, 2)`) is reported;
 * - the result can be a boolean (a filter giving a string or a list never matches).
 */

/** The parts of a CEL AST node this analysis reads (structurally `cel.expr.Expr`). */
export interface CelExpr {
  id: bigint;
  exprKind:
    | { case: 'constExpr'; value: { constantKind: { case: string | undefined; value?: unknown } } }
    | { case: 'identExpr'; value: { name: string } }
    | { case: 'selectExpr'; value: { operand?: CelExpr; field: string; testOnly: boolean } }
    | { case: 'callExpr'; value: { target?: CelExpr; function: string; args: CelExpr[] } }
    | { case: 'listExpr'; value: { elements: CelExpr[] } }
    | {
        case: 'structExpr';
        value: {
          messageName: string;
          entries: {
            keyKind: { case: 'mapKey'; value: CelExpr } | { case: string | undefined };
            value?: CelExpr;
          }[];
        };
      }
    | {
        case: 'comprehensionExpr';
        value: {
          iterVar: string;
          iterVar2: string;
          accuVar: string;
          iterRange?: CelExpr;
          accuInit?: CelExpr;
          loopCondition?: CelExpr;
          loopStep?: CelExpr;
          result?: CelExpr;
        };
      }
    | { case: undefined; value?: undefined };
}

/** Offset in the expression of a node, by id. */
export type FilterPositions = (id: bigint) => number | undefined;

export interface AnalysisHost {
  isFunction(name: string): boolean;
  /** Evaluates a sub-expression that does not depend on the event. */
  evaluateClosed(expr: CelExpr): { value: unknown } | { error: string; exprId: bigint | undefined };
  positions: FilterPositions;
}

export interface AnalysisProblem {
  message: string;
  offset: number;
}

/** The variable a filter reads. */
export const FILTER_VARIABLE = 'event';

/** Identifiers that name CEL types (`type(x) == string`). */
const TYPE_NAMES = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);
/** Operators the planner implements itself rather than through the function registry. */
const BUILT_IN_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '@in']);
const BOOLEAN_FUNCTIONS = new Set([
  '_==_',
  '_!=_',
  '_<_',
  '_<=_',
  '_>_',
  '_>=_',
  '_&&_',
  '_||_',
  '!_',
  '@in',
  '@not_strictly_false',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'bool',
]);
const NON_BOOLEAN_FUNCTIONS = new Map<string, string>([
  ['_+_', 'a sum'],
  ['_-_', 'a difference'],
  ['_*_', 'a product'],
  ['_/_', 'a quotient'],
  ['_%_', 'a remainder'],
  ['-_', 'a number'],
  ['size', 'a size (int)'],
  ['int', 'an int'],
  ['uint', 'a uint'],
  ['double', 'a double'],
  ['string', 'a string'],
  ['bytes', 'bytes'],
  ['timestamp', 'a timestamp'],
  ['duration', 'a duration'],
  ['type', 'a type'],
  ['lowerAscii', 'a string'],
  ['upperAscii', 'a string'],
  ['trim', 'a string'],
  ['replace', 'a string'],
  ['substring', 'a string'],
  ['charAt', 'a string'],
  ['format', 'a string'],
  ['quote', 'a string'],
  ['join', 'a string'],
  ['split', 'a list'],
  ['indexOf', 'an int'],
  ['lastIndexOf', 'an int'],
]);

type Kind = { kind: 'boolean' } | { kind: 'other'; what: string } | { kind: 'unknown' };

export function analyseFilter(root: CelExpr, host: AnalysisHost): AnalysisProblem | undefined {
  const freeVariables = new Map<CelExpr, ReadonlySet<string>>();
  const offsetOf = (expr: CelExpr): number => host.positions(expr.id) ?? 0;
  let problem: AnalysisProblem | undefined;
  const report = (message: string, expr: CelExpr) => {
    problem ??= { message, offset: offsetOf(expr) };
  };

  /** Checks names and returns the free variables of `expr` (`scope`: names bound by macros). */
  const resolve = (expr: CelExpr | undefined, scope: ReadonlySet<string>): ReadonlySet<string> => {
    if (expr === undefined) return EMPTY;
    const free = new Set<string>();
    const add = (child: CelExpr | undefined, childScope = scope, bound: readonly string[] = []) => {
      for (const name of resolve(child, childScope)) if (!bound.includes(name)) free.add(name);
    };
    const node = expr.exprKind;
    switch (node.case) {
      case 'identExpr': {
        const name = node.value.name;
        if (TYPE_NAMES.has(name)) break;
        if (name !== FILTER_VARIABLE && !scope.has(name)) {
          report(`unknown variable "${name}"; the event is available as \`${FILTER_VARIABLE}\``, expr);
        }
        free.add(name);
        break;
      }
      case 'selectExpr':
        add(node.value.operand);
        break;
      case 'callExpr': {
        const name = node.value.function;
        if (!BUILT_IN_OPERATORS.has(name) && !host.isFunction(name))
          report(`unknown function "${name}"`, expr);
        add(node.value.target);
        for (const argument of node.value.args) add(argument);
        break;
      }
      case 'listExpr':
        for (const element of node.value.elements) add(element);
        break;
      case 'structExpr':
        if (node.value.messageName !== '') {
          report(`message types such as "${node.value.messageName}" are not available in filters`, expr);
        }
        for (const entry of node.value.entries) {
          if (entry.keyKind.case === 'mapKey') add((entry.keyKind as { value: CelExpr }).value);
          add(entry.value);
        }
        break;
      case 'comprehensionExpr': {
        const { iterVar, iterVar2, accuVar } = node.value;
        const loopVariables = [iterVar, iterVar2, accuVar].filter((name) => name !== '');
        const loopScope = new Set([...scope, ...loopVariables]);
        add(node.value.iterRange);
        add(node.value.accuInit);
        add(node.value.loopCondition, loopScope, loopVariables);
        add(node.value.loopStep, loopScope, loopVariables);
        add(node.value.result, new Set([...scope, accuVar]), [accuVar]);
        break;
      }
      default:
        break;
    }
    freeVariables.set(expr, free);
    return free;
  };

  /** Evaluates the largest parts that do not depend on the event; reports the first error. */
  const evaluateConstantParts = (expr: CelExpr | undefined, isRoot: boolean): void => {
    if (expr === undefined || problem !== undefined) return;
    if ((freeVariables.get(expr)?.size ?? 1) === 0) {
      if (expr.exprKind.case === 'constExpr' && !isRoot) return;
      const outcome = host.evaluateClosed(expr);
      if ('error' in outcome) {
        const at = outcome.exprId === undefined ? undefined : host.positions(outcome.exprId);
        problem ??= { message: `error in a constant part: ${outcome.error}`, offset: at ?? offsetOf(expr) };
      } else if (isRoot && typeof outcome.value !== 'boolean') {
        report('the filter must give a boolean, and this expression never does', expr);
      }
      return;
    }
    for (const child of children(expr)) evaluateConstantParts(child, false);
  };

  resolve(root, EMPTY);
  if (problem !== undefined) return problem;
  evaluateConstantParts(root, true);
  if (problem !== undefined) return problem;
  const result = kindOf(root);
  if (result.kind === 'other') {
    return { message: `the filter must give a boolean, but it gives ${result.what}`, offset: offsetOf(root) };
  }
  return undefined;
}

const EMPTY: ReadonlySet<string> = new Set();

function children(expr: CelExpr): CelExpr[] {
  const node = expr.exprKind;
  const out: (CelExpr | undefined)[] = [];
  switch (node.case) {
    case 'selectExpr':
      out.push(node.value.operand);
      break;
    case 'callExpr':
      out.push(node.value.target, ...node.value.args);
      break;
    case 'listExpr':
      out.push(...node.value.elements);
      break;
    case 'structExpr':
      for (const entry of node.value.entries) {
        if (entry.keyKind.case === 'mapKey') out.push((entry.keyKind as { value: CelExpr }).value);
        out.push(entry.value);
      }
      break;
    case 'comprehensionExpr':
      out.push(
        node.value.iterRange,
        node.value.accuInit,
        node.value.loopCondition,
        node.value.loopStep,
        node.value.result,
      );
      break;
    default:
      break;
  }
  return out.filter((child): child is CelExpr => child !== undefined);
}

/** What an expression gives, when that is known without the event. */
function kindOf(expr: CelExpr | undefined): Kind {
  if (expr === undefined) return { kind: 'unknown' };
  const node = expr.exprKind;
  switch (node.case) {
    case 'constExpr': {
      const constant = node.value.constantKind.case;
      if (constant === 'boolValue') return { kind: 'boolean' };
      return { kind: 'other', what: describeConstant(constant) };
    }
    case 'listExpr':
      return { kind: 'other', what: 'a list' };
    case 'structExpr':
      return { kind: 'other', what: 'a map' };
    case 'selectExpr':
      return node.value.testOnly ? { kind: 'boolean' } : { kind: 'unknown' };
    case 'callExpr': {
      const name = node.value.function;
      if (BOOLEAN_FUNCTIONS.has(name)) return { kind: 'boolean' };
      const what = NON_BOOLEAN_FUNCTIONS.get(name);
      if (what !== undefined) return { kind: 'other', what };
      if (name === '_?_:_') {
        const [, whenTrue, whenFalse] = node.value.args;
        const a = kindOf(whenTrue);
        const b = kindOf(whenFalse);
        if (a.kind === 'other' && b.kind === 'other') return a;
        return a.kind === 'boolean' && b.kind === 'boolean' ? a : { kind: 'unknown' };
      }
      if (name === 'dyn') return kindOf(node.value.args[0]);
      return { kind: 'unknown' };
    }
    case 'comprehensionExpr': {
      const { result, accuVar, accuInit } = node.value;
      const returnsAccumulator =
        result?.exprKind.case === 'identExpr' && result.exprKind.value.name === accuVar;
      return kindOf(returnsAccumulator ? accuInit : result);
    }
    default:
      return { kind: 'unknown' };
  }
}

function describeConstant(constant: string | undefined): string {
  switch (constant) {
    case 'stringValue':
      return 'a string';
    case 'int64Value':
      return 'an int';
    case 'uint64Value':
      return 'a uint';
    case 'doubleValue':
      return 'a double';
    case 'bytesValue':
      return 'bytes';
    case 'nullValue':
      return 'null';
    default:
      return 'a constant';
  }
}
