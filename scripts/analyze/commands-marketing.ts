/**
 * The marketing subcommands of the analyze command line: attribution, basket, experiment, campaign
 * lift and data quality. Same inputs, engines and exit codes as the behaviour analyses in cli.ts (0
 * done, 2 bad usage, spec or input, 1 unexpected); warnings (sample ratio mismatch, small samples,
 * short or overlapping-looking periods) always go to stderr, also with --json.
 *
 *   npm run analyze -- attribution --input events/ --spec spec.json [--spend spend.csv] --json
 *   npm run analyze -- basket --input events/ --spec '{"minSupport":0.006,"minConfidence":0.25}'
 *   npm run analyze -- experiment --input events/ --spec '{"experiment":"checkout_button"}' --engine native
 *   npm run analyze -- campaign-lift --input events/ --spec '{"campaign":{"from":"2026-11-10","to":"2026-11-16"},"baseline":{"from":"2026-11-03","to":"2026-11-09"}}' --json
 *   npm run analyze -- data-quality --input events/ [--spec '{"campaignProperty":"utm_campaign"}'] --json
 *
 * data-quality is the one subcommand whose --spec is optional (every key has a default).
 * A relative `spend` path in a spec file is resolved against the spec file's folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ANALYSES,
  buildPersonMap,
  MARKETING_ANALYSIS_NAMES,
  runAttribution,
  runBasket,
  runCampaignLift,
  runDataQuality,
  runExperiment,
  SpecError,
  SpendCsvError,
  type AttributionResult,
  type BasketResult,
  type CampaignLiftResult,
  type DataQualityResult,
  type ExperimentResult,
  type MarketingAnalysisName,
  type WithBasis,
} from '@privacy-analytics/core/analytics';
import { isInlineSpec, readSpec, specLabel } from './spec-file';
import type { Io } from './cli';
import { errorMessage, InputError, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { basisLine, table } from './format';
import { loadInputsReporting } from './inputs';
import { applyInputOption, CSV_USAGE, defaultInputOptions, requireInputsAndSpec, type InputOptions } from './input-options';

export const MARKETING_COMMANDS = MARKETING_ANALYSIS_NAMES;
export type MarketingCommand = MarketingAnalysisName;

export function isMarketingCommand(name: string | undefined): name is MarketingCommand {
  return (MARKETING_COMMANDS as readonly string[]).includes(name ?? '');
}

export const MARKETING_USAGE = `usage: npm run analyze -- <${MARKETING_COMMANDS.join('|')}> --input <path> [--input <path> ...] --spec <spec.json> [options]

  --input PATH          Parquet, NDJSON of Segment messages, CSV / TSV tables of orders or events (gzip allowed), or a directory of them (recursive); times from 1970 on
  --spec FILE|JSON      the spec: a JSON file, or inline JSON starting with { (optional for data-quality)
  --spend FILE          attribution: a spend CSV (date,channel,spend); overrides the spec's "spend"
  --json                print the result as one JSON object instead of tables
  --engine wasm|native  DuckDB-Wasm (default, the browser's engine) or native DuckDB (larger data)
  --anonymise-key KEY   pseudonymise ids (HMAC) and scrub text in NDJSON input, as the edge does
  --site ID             site id for NDJSON rows (default local)
  --skip-bad-lines      load the valid lines of NDJSON files that have bad lines (they are still listed)
${CSV_USAGE}
  --threads N           native engine threads (default: DuckDB's)

Specs, models and statistics are documented in docs/marketing-analytics.md.`;

class MarketingUsageError extends Error {
  override name = 'UsageError';
}

interface MarketingArgs extends InputOptions {
  command: MarketingCommand;
  spec: string;
  spend?: string;
}

const usage = (message: string) => new MarketingUsageError(message);

export function parseMarketingArgs(argv: readonly string[]): MarketingArgs {
  const [command, ...rest] = argv;
  if (!isMarketingCommand(command)) throw new MarketingUsageError(`unknown command "${command}"; expected one of ${MARKETING_COMMANDS.join(', ')}`);
  const args: InputOptions & { command: MarketingArgs['command']; spend?: string } = { command, ...defaultInputOptions() };
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const [flag, inline] = eq === -1 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
    const value = () => {
      const next = inline ?? rest[++i];
      if (next === undefined || (inline === undefined && next.startsWith('--'))) throw new MarketingUsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--spend') {
      if (command !== 'attribution') throw new MarketingUsageError('--spend only applies to attribution');
      args.spend = value();
    } else if (!applyInputOption(args, flag!, value, usage)) {
      throw new MarketingUsageError(`unknown option "${token}"`);
    }
  }
  // Every data-quality key has a default: running it on a folder needs no spec at all.
  if (command === 'data-quality' && args.spec === undefined) args.spec = '{}';
  requireInputsAndSpec(args, usage);
  return args as MarketingArgs;
}

export async function runMarketingCommand(argv: readonly string[], io: Io): Promise<number> {
  let store: EventStore | undefined;
  try {
    const args = parseMarketingArgs(argv);
    const label = specLabel(args.spec);
    const raw = await readSpec(args.spec);
    let spec: unknown;
    try {
      spec = ANALYSES[args.command].parse(raw);
    } catch (error) {
      if (error instanceof SpecError) throw new SpecError(`${label}: ${error.message}`);
      throw error;
    }
    let spendCsv: string | undefined;
    let spendPath: string | undefined;
    if (args.command === 'attribution') {
      const fromSpec = (spec as { spend?: string }).spend;
      spendPath = args.spend ?? (fromSpec === undefined ? undefined : isInlineSpec(args.spec) ? resolve(fromSpec) : resolve(dirname(args.spec), fromSpec));
      if (spendPath !== undefined) {
        try {
          spendCsv = await readFile(spendPath, 'utf8');
        } catch {
          throw new InputError(`${spendPath}: cannot read the spend CSV`);
        }
        spec = { ...(spec as object), spend: spendPath };
      }
    }
    store = args.engine === 'native' ? await openNativeStore(args.threads === undefined ? {} : { threads: args.threads }) : await openWasmStore();
    const report = await loadInputsReporting(store, args, io.err, 'analyze');
    const identity = await buildPersonMap(store);
    let text: string;
    let result: WithBasis<object>;
    switch (args.command) {
      case 'attribution': {
        const attribution = await runAttribution(store, spec as never, spendCsv === undefined ? {} : { spendCsv, spendLabel: spendPath! });
        result = attribution;
        text = formatAttribution(attribution);
        break;
      }
      case 'basket': {
        const basket = await runBasket(store, spec as never);
        result = basket;
        text = formatBasket(basket);
        break;
      }
      case 'experiment': {
        const experiment = await runExperiment(store, spec as never);
        for (const warning of experiment.warnings) io.err(`analyze: WARNING: ${warning}\n`);
        if (!experiment.guidance.sufficient) io.err(`analyze: the sample is too small for a reliable decision:\n${experiment.guidance.messages.map((m) => `  - ${m}`).join('\n')}\n`);
        result = experiment;
        text = formatExperiment(experiment);
        break;
      }
      case 'campaign-lift': {
        const lift = await runCampaignLift(store, spec as never);
        for (const warning of lift.warnings) io.err(`analyze: WARNING: ${warning}\n`);
        result = lift;
        text = formatCampaignLift(lift);
        break;
      }
      case 'data-quality': {
        const quality = await runDataQuality(store, spec as never);
        result = quality;
        text = formatDataQuality(quality);
        break;
      }
    }
    if (args.json) io.out(`${JSON.stringify(result)}\n`);
    else {
      io.out(`${args.command} on ${report.rows.toLocaleString('en-US')} events (${args.engine}), ${identity.persons.toLocaleString('en-US')} persons, link rate ${(identity.linkRate * 100).toFixed(1)}%\n`);
      io.out(`${basisLine(result.basis)}\n\n`);
      io.out(`${text}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof MarketingUsageError) {
      io.err(`analyze: ${error.message}\n\n${MARKETING_USAGE}\n`);
      return 2;
    }
    if (error instanceof SpecError || error instanceof InputError || error instanceof SpendCsvError) {
      io.err(`analyze: ${error.message}\n`);
      return 2;
    }
    io.err(`analyze: ${errorMessage(error)}\n`);
    if (process.env.ANALYZE_DEBUG === '1' && error instanceof Error) io.err(`${error.stack}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

const SHOWN = 20;
const num = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(2)}%`);
const whole = (x: number) => x.toLocaleString('en-US');

export function formatAttribution(result: AttributionResult): string {
  const models = result.models;
  const parts = [
    `${whole(result.totals.conversions)} conversions, revenue ${num(result.totals.revenue)}; ${whole(result.totals.unattributedConversions)} without a touchpoint; ` +
      `${whole(result.paths.converting)} converting and ${whole(result.paths.nonConverting)} non-converting journeys`,
    '',
    'conversions',
    table(['channel', 'touchpoints', ...models], result.channels.map((c) => [c.channel, whole(c.touchpoints), ...models.map((m) => num(c.conversions[m]))])),
    '',
    'revenue',
    table(['channel', ...models], result.channels.map((c) => [c.channel, ...models.map((m) => num(c.revenue[m]))])),
  ];
  if (result.spend) {
    parts.push('', `spend ${num(result.spend.total)} (margin ${result.spend.margin}); ROI = revenue x margin / spend, "!" marks ROI below 1`);
    parts.push(
      table(
        ['channel', 'spend', ...models.map((m) => `CPA ${m}`), ...models.map((m) => `ROI ${m}`)],
        result.channels.map((c) => [c.channel, num(c.spend), ...models.map((m) => num(c.cpa?.[m])), ...models.map((m) => `${num(c.roi?.[m])}${c.roiBelowOne?.includes(m) ? ' !' : ''}`)]),
      ),
    );
  }
  parts.push('', ...formatNewCustomers(result));
  if (result.markov) {
    parts.push('', `Markov (order ${result.markov.order}): conversion probability ${pct(result.markov.conversionProbability)}`);
    parts.push(table(['channel', 'removal effect', 'share'], Object.keys(result.markov.removalEffects).map((c) => [c, pct(result.markov!.removalEffects[c]), pct(result.markov!.shares[c])])));
  }
  return parts.join('\n');
}

function formatNewCustomers(result: AttributionResult): string[] {
  const models = result.models;
  const nc = result.newCustomers;
  const days = num(nc.windowMs / 86_400_000, 0);
  const withSpend = result.spend !== undefined;
  const ranking = models[0]!;
  return [
    `new customers (first order ever): ${whole(nc.total)}, ${whole(nc.unattributed)} without a touchpoint; ${days}-day follow-up to ${nc.dataEnd?.slice(0, 10) ?? '-'}: ` +
      `${num(nc.quality.mature)} mature, ${num(nc.quality.immature)} immature`,
    table(
      ['channel', ...models.map((m) => `new ${m}`), ...(withSpend ? models.map((m) => `cost/new ${m}`) : [])],
      result.channels.map((c) => [c.channel, ...models.map((m) => num(c.newCustomers[m])), ...(withSpend ? models.map((m) => num(c.costPerNewCustomer?.[m])) : [])]),
    ),
    '',
    `new-customer quality (${ranking}; repeat share and revenue over mature new customers, ${days}-day window)`,
    table(
      ['channel', 'new', 'mature', 'immature', 'repeat share', 'revenue / new'],
      result.channels.map((c) => {
        const q = c.newCustomerQuality[ranking];
        return [c.channel, num(c.newCustomers[ranking]), num(q?.mature), num(q?.immature), pct(q?.repeatShare), num(q?.revenuePerCustomer)];
      }),
    ),
  ];
}

export function formatBasket(result: BasketResult): string {
  const parts = [
    `${whole(result.baskets)} baskets, ${whole(result.items)} items, ${whole(result.frequentItemsets)} frequent itemsets (support count >= ${result.minCount}), ${whole(result.totalRules)} rules`,
    '',
    table(
      ['if bought', 'then bought', 'support', 'confidence', 'lift', 'leverage', 'conviction', 'count'],
      result.rules.slice(0, SHOWN).map((r) => [r.antecedent.join(' + '), r.consequent.join(' + '), pct(r.support), pct(r.confidence), num(r.lift), num(r.leverage, 4), r.conviction === null ? 'inf' : num(r.conviction), whole(r.count)]),
      (c) => c > 1,
    ),
  ];
  if (result.alsoBought) {
    parts.push('', `bought ${result.alsoBought.item} (${whole(result.alsoBought.baskets)} baskets), also bought:`);
    parts.push(table(['item', 'baskets', 'confidence', 'lift'], result.alsoBought.items.map((i) => [i.item, whole(i.count), pct(i.confidence), num(i.lift)])));
  }
  return parts.join('\n');
}

export function formatExperiment(result: ExperimentResult): string {
  const parts = [
    `experiment ${result.experiment}, metric ${result.metric}, control ${result.control}`,
    '',
    table(
      ['variant', 'exposed', 'converted', 'rate', 'revenue / person', 'P(best)', 'expected loss'],
      result.variants.map((v) => [v.variant, whole(v.exposed), whole(v.converted), pct(v.rate), num(v.revenuePerPerson), pct(result.probabilityToBeBest[v.variant]), num(result.expectedLoss[v.variant], 5)]),
    ),
    '',
  ];
  if (result.uplift && result.compared) {
    const ci = result.uplift.ci95 ? `[${pct(result.uplift.ci95[0])}, ${pct(result.uplift.ci95[1])}]` : '-';
    parts.push(`${result.compared} vs ${result.control}: uplift ${pct(result.uplift.estimate)} (95% CI ${ci}), p = ${num(result.pValue, 4)}`);
  }
  parts.push(`sample ratio: chi-square ${num(result.srm.chiSquare)}, p = ${num(result.srm.pValue, 4)}${result.srm.mismatch ? '  MISMATCH' : ''}`);
  parts.push('', `decision: ${result.decision.verdict.replace('_', ' ').toUpperCase()}. ${result.decision.summary}`, `rule: ${result.decision.ruleText}`);
  return parts.join('\n');
}

function interval(ci: readonly [number, number] | null | undefined, format: (x: number) => string): string {
  return ci && Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? `[${format(ci[0])}, ${format(ci[1])}]` : '-';
}

export function formatCampaignLift(result: CampaignLiftResult): string {
  const { campaign: c, baseline: b, lift } = result;
  const period = (m: CampaignLiftResult['campaign']) => `${m.from.slice(0, 10)} .. ${m.to.slice(0, 10)} (${m.days} d)`;
  const rows: string[][] = [
    ['active persons', whole(b.activePersons), whole(c.activePersons), '-', '-', '-'],
    ['conversion rate', pct(b.conversionRate), pct(c.conversionRate), pct(lift.conversionRate.difference), interval(lift.conversionRate.differenceCi, pct), num(lift.conversionRate.pValue, 4)],
    ['revenue / person', num(b.revenuePerPerson), num(c.revenuePerPerson), num(lift.revenuePerPerson.difference), interval(lift.revenuePerPerson.differenceCi, num), num(lift.revenuePerPerson.pValue, 4)],
    ['conversions / day', num(b.dailyConversions.mean), num(c.dailyConversions.mean), num(lift.dailyConversions.difference), interval(lift.dailyConversions.differenceCi, num), num(lift.dailyConversions.pValue, 4)],
    ['revenue / day', num(b.dailyRevenue.mean), num(c.dailyRevenue.mean), num(lift.dailyRevenue.difference), interval(lift.dailyRevenue.differenceCi, num), num(lift.dailyRevenue.pValue, 4)],
    [
      'retention',
      `${pct(b.retention.rate)}${b.retention.complete ? '' : ' *'}`,
      `${pct(c.retention.rate)}${c.retention.complete ? '' : ' *'}`,
      pct(lift.retention.difference),
      interval(lift.retention.differenceCi, pct),
      num(lift.retention.pValue, 4),
    ],
  ];
  const parts = [`campaign ${period(c)} against baseline ${period(b)}; lift = campaign - baseline, 95% interval, two-sided p`, '', table(['metric', 'baseline', 'campaign', 'lift', '95% CI', 'p'], rows)];
  if (!b.retention.complete || !c.retention.complete) parts.push('* the retention window runs past the end of the data: a lower bound');
  return parts.join('\n');
}

export function formatDataQuality(result: DataQualityResult): string {
  const parts = [
    `${whole(result.events)} events checked`,
    '',
    table(
      ['check', 'checked', 'failing', 'of', 'examples'],
      result.checks.map((c) => [c.id, c.checked ? 'yes' : 'no data', whole(c.failing), whole(c.total), c.examples.slice(0, 3).join('; ')]),
      (c) => c === 2 || c === 3,
    ),
  ];
  const flags = Object.entries(result.flags).sort((a, b) => b[1] - a[1]);
  parts.push('', flags.length ? table(['quality flag', 'events'], flags.map(([flag, n]) => [flag, whole(n)])) : 'no quality flags set');
  const id = result.identity;
  if (id) {
    const share = (x: number | null) => (x === null ? '-' : pct(x));
    parts.push(
      '',
      table(
        ['identity link', 'share', 'of'],
        [
          ['persons with a user id', share(id.identifiedPersonShare), `${whole(id.persons)} persons`],
          ['orders of an identified person', share(id.orderShare), `${whole(id.orders)} orders`],
          ['revenue of an identified person', share(id.revenueShare), num(id.revenue)],
          ['offline customers also seen online', id.offlinePersons ? share(id.onlineOfflineLinkRate) : 'no imported rows', `${whole(id.offlinePersons)} offline, ${whole(id.personsOnlineAndOffline)} both`],
        ],
        (c) => c === 1,
      ),
    );
  }
  const tags = result.tagCoverage;
  parts.push(
    '',
    `tag coverage as of ${tags.asOf}: ${tags.met} of ${tags.entries.length} at or above ${pct(tags.target)} of ${whole(tags.persons)} persons`,
    table(
      ['tag', 'kind', 'persons', 'share', `>= ${pct(tags.target)}`],
      tags.entries.map((e) => [e.name, e.source, whole(e.persons), pct(e.share), e.meetsTarget ? 'met' : 'missed']),
      (c) => c === 2 || c === 3,
    ),
  );
  return parts.join('\n');
}
