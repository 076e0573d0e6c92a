import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
export class SiteCatalog extends DurableObject<Env> {}
