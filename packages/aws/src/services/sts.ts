// Provides `AwsClients.sts` (the STS SDK client). Imported by the adapter modules that call STS;
// listed in package.json "sideEffects", so a bundle keeps it exactly when it keeps such an adapter.
import { STSClient } from '@aws-sdk/client-sts';
import { provideClient } from '../clients.ts';

provideClient('sts', (config) => new STSClient(config));
