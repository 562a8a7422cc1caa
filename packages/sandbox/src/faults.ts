import { z } from 'zod';
import type { FaultRule } from './types/index.ts';

/** Schema for `POST /_sandbox/faults` bodies (a JSON array of FaultRule). */
export const faultRulesSchema = z.array(
  z.object({
    service: z.enum(['eks', 'ec2', 'ssm', 'sts', 'dynamodb', 'slack', '*']),
    operation: z.string().min(1).optional(),
    latencyMs: z.number().min(0).optional(),
    jitter: z.object({ ms: z.number().min(0), seed: z.number().int().optional() }).optional(),
    throttle: z
      .object({
        burst: z.number().min(0),
        ratePerSecond: z.number().min(0),
        /** One bucket for everyone (default), or one per caller account and region, as AWS meters. */
        per: z.enum(['sandbox', 'account-region']).optional(),
      })
      .optional(),
    error: z
      .object({
        status: z.number().int().min(100).max(599),
        code: z.string().optional(),
        message: z.string().optional(),
        retryAfterSeconds: z.number().min(0).optional(),
      })
      .optional(),
    reset: z.literal(true).optional(),
    slowMs: z.number().min(0).optional(),
    times: z.number().int().min(0).optional(),
  }),
);

/** What the matching rules ask for one request. */
export interface FaultDecision {
  latencyMs: number;
  slowMs: number;
  reset: boolean;
  throttled: boolean;
  error: FaultRule['error'] | null;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Applies FaultRules to requests. Every matching rule applies (latencies add up); `times` counts
 * the requests a rule has matched. Token buckets refill in real time, not on the sandbox clock.
 */
export class FaultInjector {
  private rules: Array<{ rule: FaultRule; used: number; random: () => number }> = [];
  private buckets = new Map<string, Bucket>();
  private readonly nowMs: () => number;

  constructor(nowMs: () => number = () => performance.now()) {
    this.nowMs = nowMs;
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({
      rule: structuredClone(rule),
      used: 0,
      random: mulberry32(rule.jitter?.seed ?? 1),
    }));
    this.buckets.clear();
  }

  list(): FaultRule[] {
    return this.rules.map((r) => structuredClone(r.rule));
  }

  /** `scope` names the caller's account and region (buckets `per: 'account-region'` are kept per scope). */
  decide(service: string, operation: string, scope = ''): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, slowMs: 0, reset: false, throttled: false, error: null };
    this.rules.forEach((entry, index) => {
      const { rule } = entry;
      if (rule.service !== '*' && rule.service !== service) return;
      if (rule.operation !== undefined && rule.operation !== operation) return;
      if (rule.times !== undefined && entry.used >= rule.times) return;
      entry.used++;
      const jitter = rule.jitter ? (entry.random() * 2 - 1) * rule.jitter.ms : 0;
      d.latencyMs += Math.max(0, (rule.latencyMs ?? 0) + jitter);
      d.slowMs += rule.slowMs ?? 0;
      if (rule.reset) d.reset = true;
      if (rule.error && !d.error) d.error = rule.error;
      const where = rule.throttle?.per === 'account-region' ? `|${scope}` : '';
      if (rule.throttle && !this.take(`${index}|${service}|${rule.operation ?? '*'}${where}`, rule.throttle))
        d.throttled = true;
    });
    return d;
  }

  private take(key: string, t: { burst: number; ratePerSecond: number }): boolean {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: t.burst, at: now };
    b.tokens = Math.min(t.burst, b.tokens + ((now - b.at) / 1000) * t.ratePerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
