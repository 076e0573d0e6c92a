import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
export class IngestBuffer extends DurableObject<Env> {}
