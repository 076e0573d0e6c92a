import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { boundedLimit } from '../lifecycle/erasure-route';
import { alertRuleBodySchema, muteBodySchema, MUTE_BODY_HELP, RULE_BODY_HELP, ruleIdSchema, testBodySchema, TEST_BODY_HELP } from './alert-rule';
import { buffersOf } from '../stubs';
import { readBody } from './request-body';
import { alertWebhookPolicy, describeDestination } from './webhook-url';
import { catalogOf, alertsOf } from '../stubs';

const MAX_RULE_BODY_BYTES = 8192;

/** POST /v1/sites/<site>/alerts (admin): creates a rule; 400 names every field that does not fit. */
export async function handleCreateAlertRule(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const body = await readBody(request, alertRuleBodySchema(alertWebhookPolicy(env, grant.site)), MAX_RULE_BODY_BYTES, 'invalid_rule', RULE_BODY_HELP);
  const created = await alertsOf(env, site).createRule(site, body, grant.tokenId);
  if ('error' in created) throw new HttpError(409, 'too_many_rules', `site "${site}" already has ${created.count} alert rules; delete some first`);
  const { rule } = created;
  await catalogOf(env, site).appendAudit({
    action: 'alert.rule.create',
    actor: grant.tokenId,
    details: { ruleId: rule.id, name: rule.name, metric: rule.metric, windowMinutes: rule.windowMinutes, direction: rule.direction, destination: rule.destination },
  });
  return jsonResponse({ site, rule }, 201, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/alerts (admin): rules with their webhook URLs and the state of their current episode. */
export async function handleListAlertRules(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const rules = await alertsOf(env, grant.site.id).listRules();
  return jsonResponse({ site: grant.site.id, rules }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** PUT /v1/sites/<site>/alerts/<id> (admin): replaces the rule's definition (the create body); the rule re-arms. */
export async function handleUpdateAlertRule(request: Request, env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const ruleId = parseRuleId(id);
  const body = await readBody(request, alertRuleBodySchema(alertWebhookPolicy(env, grant.site)), MAX_RULE_BODY_BYTES, 'invalid_rule', RULE_BODY_HELP);
  const rule = await alertsOf(env, site).updateRule(ruleId, body, grant.tokenId);
  if (!rule) throw new HttpError(404, 'not_found', `no alert rule "${ruleId}" on site "${site}"`);
  await catalogOf(env, site).appendAudit({
    action: 'alert.rule.update',
    actor: grant.tokenId,
    details: { ruleId, name: rule.name, metric: rule.metric, filter: rule.filter ?? null, windowMinutes: rule.windowMinutes, direction: rule.direction, destination: rule.destination },
  });
  return jsonResponse({ site, rule }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** POST /v1/sites/<site>/alerts/<id>/mute (admin): {"until": ISO | null}; a muted rule is evaluated but fires nothing. */
export async function handleMuteAlertRule(request: Request, env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const ruleId = parseRuleId(id);
  const { until } = await readBody(request, muteBodySchema(Date.now()), 1024, 'invalid_mute', MUTE_BODY_HELP);
  const rule = await alertsOf(env, site).muteRule(ruleId, until, grant.tokenId);
  if (!rule) throw new HttpError(404, 'not_found', `no alert rule "${ruleId}" on site "${site}"`);
  await catalogOf(env, site).appendAudit({ action: until ? 'alert.rule.mute' : 'alert.rule.unmute', actor: grant.tokenId, details: { ruleId, name: rule.name, until } });
  return jsonResponse({ site, rule }, 200, { ...headers, 'cache-control': 'no-store' });
}

/**
 * POST /v1/sites/<site>/alerts/<id>/test (admin): evaluates the rule now on its last complete window (nothing is
 * recorded) and, with {"webhook": true}, posts a signed `alert.test` message to its webhook once, answering how it went.
 */
export async function handleTestAlertRule(request: Request, env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const site = grant.site.id;
  const ruleId = parseRuleId(id);
  const { webhook } = await readBody(request, testBodySchema, 1024, 'invalid_test', TEST_BODY_HELP, true);
  const test = await alertsOf(env, site).testRule(site, ruleId, webhook);
  if (!test) throw new HttpError(404, 'not_found', `no alert rule "${ruleId}" on site "${site}"`);
  if (webhook) await catalogOf(env, site).appendAudit({ action: 'alert.rule.test', actor: grant.tokenId, details: { ruleId, delivered: test.webhook?.ok ?? false, status: test.webhook?.status ?? null } });
  return jsonResponse({ site, test }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/alerts/dimensions (admin): the campaign / channel / UTM values and track event names counted by name in the last 2 days, for rule filters and funnel steps. */
export async function handleAlertDimensions(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const since = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const lists = await Promise.all(buffersOf(env, grant.site.id).map((buffer) => buffer.dimensionValues(since)));
  const values: Record<string, string[]> = { utm_campaign: [], utm_source: [], utm_medium: [], channel: [], event: [] };
  for (const { dimension, value } of lists.flat()) if (values[dimension] && !values[dimension]!.includes(value)) values[dimension]!.push(value);
  for (const list of Object.values(values)) list.sort();
  return jsonResponse({ site: grant.site.id, since, values }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** DELETE /v1/sites/<site>/alerts/<id> (admin): the rule goes; the alerts it fired stay listed. */
export async function handleDeleteAlertRule(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const ruleId = parseRuleId(id);
  const deleted = await alertsOf(env, grant.site.id).deleteRule(ruleId);
  if (!deleted) throw new HttpError(404, 'not_found', `no alert rule "${ruleId}" on site "${grant.site.id}"`);
  await catalogOf(env, grant.site.id).appendAudit({
    action: 'alert.rule.delete',
    actor: grant.tokenId,
    details: { ruleId, name: deleted.name, metric: deleted.metric, destination: describeDestination(deleted.webhookUrl) },
  });
  return jsonResponse({ site: grant.site.id, deleted: { id: deleted.id, name: deleted.name } }, 200, headers);
}

/** GET /v1/sites/<site>/alerts/events?rule=&limit=&before= (viewer): fired alerts, newest first, for the dashboard. */
export async function handleListAlertEvents(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const limit = boundedLimit(url, 50, 500);
  const beforeText = url.searchParams.get('before');
  const before = beforeText === null ? undefined : Number(beforeText);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new HttpError(400, 'invalid_parameter', `before: expected an alert id, got "${beforeText!.slice(0, 40)}"`);
  const ruleText = url.searchParams.get('rule');
  const ruleId = ruleText === null ? undefined : parseRuleId(ruleText);
  const alerts = await alertsOf(env, grant.site.id).listAlerts({ ruleId, beforeId: before, limit });
  const next = alerts.length === limit ? alerts[alerts.length - 1]!.id : null;
  return jsonResponse({ site: grant.site.id, alerts, next }, 200, { ...headers, 'cache-control': 'no-store' });
}

function parseRuleId(text: string): string {
  const parsed = ruleIdSchema.safeParse(text);
  if (!parsed.success) throw new HttpError(400, 'invalid_rule_id', `alert rule ids are 16 hex characters, got "${text.slice(0, 40)}"`);
  return parsed.data;
}

