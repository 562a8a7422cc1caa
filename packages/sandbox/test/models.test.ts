import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildServiceModels, locateBotocore } from '../src/models/botocore.ts';
import {
  loadServiceModel,
  MODELED_OPERATIONS,
  serializeServiceModel,
  serviceModelUrl,
} from '../src/models/service-model.ts';
import type { AwsService } from '../src/types/index.ts';

const SERVICES = Object.keys(MODELED_OPERATIONS) as AwsService[];
const botocore = locateBotocore();

describe('the committed AWS service models', () => {
  it('hold every operation the sandbox serves, with the api version and botocore they came from', () => {
    for (const service of SERVICES) {
      const model = loadServiceModel(service);
      expect(Object.keys(model.operations), service).toEqual([...MODELED_OPERATIONS[service].operations]);
      expect(model.metadata.apiVersion).toBe(MODELED_OPERATIONS[service].apiVersion);
      expect(model.source.path).toBe(
        `botocore/data/${service}/${MODELED_OPERATIONS[service].apiVersion}/service-2.json.gz`,
      );
      expect(model.source.botocore).toMatch(/^1\.\d+\.\d+$/);
    }
  });

  // CI machines carry a current botocore (AWS-FACTS §9); elsewhere this says why it cannot check.
  it.skipIf(!botocore.found)(
    botocore.found
      ? `match botocore ${botocore.version} on this machine (else: npm run models:sync)`
      : `match the machine's botocore — SKIPPED: ${botocore.reason}`,
    () => {
      if (!botocore.found) return;
      const fresh = buildServiceModels(botocore);
      for (const service of SERVICES) {
        const committed = readFileSync(serviceModelUrl(service), 'utf8');
        expect(committed, `${service}: run npm run models:sync`).toBe(serializeServiceModel(fresh[service]));
      }
    },
  );
});
