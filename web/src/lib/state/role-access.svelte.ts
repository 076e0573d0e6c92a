import type { EdgeConnection } from '../engine/data-engine';
import { EdgeAdmin, type WhoAmI } from '../edge/edge-admin';
import { EdgeRequestError } from '../engine/errors';
import { describeEdgeError } from '../edge/edge-errors';
import { filterBlockReason, viewBlockReason, type Role } from './role-access';
import type { ViewName } from './url-state';

/**
 * The connected token's role, asked of the edge (GET …/whoami) before any data is loaded: with a viewer token the
 * dashboard never asks for event rows. Unknown (null) with local files, or while the edge cannot be reached (the
 * dashboard then behaves as before and the edge still refuses what the token may not do).
 */
export class AccessState {
  #whoAmI = $state<WhoAmI | null>(null);
  #error = $state<string | null>(null);
  #request = 0;
  readonly #edgeFor: (connection: EdgeConnection) => Pick<EdgeAdmin, 'whoAmI'>;

  constructor(edgeFor: (connection: EdgeConnection) => Pick<EdgeAdmin, 'whoAmI'> = (connection) => new EdgeAdmin(connection)) {
    this.#edgeFor = edgeFor;
  }

  get whoAmI(): WhoAmI | null {
    return this.#whoAmI;
  }
  get role(): Role | null {
    return this.#whoAmI?.role ?? null;
  }
  /** why the token could not be checked (an unknown or revoked token, say), for the views to show */
  get error(): string | null {
    return this.#error;
  }
  /** a viewer token: aggregates only, no event rows */
  get rowsForbidden(): boolean {
    return this.role === 'viewer';
  }

  viewBlock(view: ViewName): string | null {
    return viewBlockReason(view, this.role);
  }

  get filterBlock(): string | null {
    return filterBlockReason(this.role);
  }

  /** Asks the edge who the token is; a refusal (401) is kept as `error`, an unreachable edge leaves the role unknown. */
  async refresh(connection: EdgeConnection): Promise<WhoAmI | null> {
    const request = ++this.#request;
    try {
      const who = await this.#edgeFor(connection).whoAmI();
      if (request !== this.#request) return who;
      this.#whoAmI = who;
      this.#error = null;
      return who;
    } catch (error) {
      if (request !== this.#request) return null;
      this.#whoAmI = null;
      this.#error = error instanceof EdgeRequestError && error.status !== null ? describeEdgeError(error, 'check the token') : null;
      return null;
    }
  }

  forget(): void {
    this.#request++;
    this.#whoAmI = null;
    this.#error = null;
  }
}
