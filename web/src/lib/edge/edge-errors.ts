/**
 * The edge's refusals as sentences a person can act on: the edge answers `{"error": "<code>", "message": "…", …details}`
 * (worker-edge/src/http/http-error.ts) and the dashboard shows the sentence for the code, never "HTTP 409".
 */
import { EdgeRequestError } from '../engine/errors';

const ROLE_WORDS: Record<string, string> = { viewer: 'a viewer', analyst: 'an analyst', admin: 'an admin' };

type Details = Record<string, unknown>;

const SENTENCES: Record<string, (d: Details) => string> = {
  missing_token: () => 'No token was sent. Connect again with a token.',
  malformed_token: () => 'The token is not well formed; copy it again, whole.',
  invalid_token: () => 'The edge does not know this token. Check that it was copied whole and is for this collector.',
  revoked_token: () => 'This token was revoked. Ask an admin for a new one.',
  expired_token: () => 'This token has expired. Ask an admin for a new one.',
  wrong_site: () => 'This token belongs to another site.',
  write_key_not_allowed: () => 'This is a write key, which only sends events; reading and administration need a token.',
  insufficient_role: (d) => `This needs ${ROLE_WORDS[String(d.required)] ?? 'another'} token; the connected token is ${ROLE_WORDS[String(d.role)] ?? 'of a lower role'} token.`,
  too_many_tokens: () => 'The site has as many active tokens as allowed. Revoke tokens that are no longer used first.',
  token_not_active: () => 'This token is no longer active (revoked or expired): issue a new one instead.',
  config_token: () => 'This token comes from the SITE_SECRETS configuration: remove it there (wrangler secret put SITE_SECRETS) to revoke it.',
  invalid_token_id: () => 'That is not a token id (16 hexadecimal characters).',
  invalid_request_id: () => 'That is not an erasure request id (16 hexadecimal characters).',
  confirmation_required: (d) => `Shortening retention deletes every day before ${String(d.cutoff ?? 'the new cutoff')} within minutes. Tick "I understand data will be deleted" to go ahead.`,
  below_retention_floor: (d) => `That is below this site's retention floor of ${String(d.floorDays ?? '?')} days (records are kept at least that long). To go below it anyway, tick "Override the floor" and give a reason; the override is recorded in the audit log.`,
  override_reason_required: (d) => `Going below the retention floor of ${String(d.floorDays ?? '?')} days needs a reason, which is recorded in the audit log.`,
  not_found: () => 'The edge has no such item (it may have been removed meanwhile).',
  invalid_body: (d) => `The edge did not accept the form: ${String(d.message ?? 'invalid input')}`,
  invalid_parameter: (d) => `The edge did not accept the request: ${String(d.message ?? 'invalid parameter')}`,
  edge_misconfigured: () => "The collector's configuration is invalid; its operator finds why in the worker logs.",
  internal_error: () => 'The edge hit an internal error; try again, and tell its operator if it persists.',
};

/** A sentence for an error from the edge (or from reaching it), saying what failed: "Could not <what>: <sentence>". */
export function describeEdgeError(error: unknown, what: string): string {
  if (error instanceof EdgeRequestError) {
    if (error.status === null) return `Could not ${what}: the edge could not be reached. Check the connection and try again.`;
    const sentence = error.code ? SENTENCES[error.code]?.({ ...error.body, message: error.body?.message }) : undefined;
    if (sentence) return `Could not ${what}: ${sentence}`;
    const message = typeof error.body?.message === 'string' ? error.body.message : null;
    return `Could not ${what}: ${message ?? error.message}`;
  }
  return `Could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
