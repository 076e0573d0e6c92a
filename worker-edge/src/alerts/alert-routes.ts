import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { boundedLimit } from '../lifecycle/erasure-route';
import { alertRuleBodySchema, RULE_BODY_HELP, ruleIdSchema } from './alert-rule';
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

