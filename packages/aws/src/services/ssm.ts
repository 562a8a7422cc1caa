// Provides `AwsClients.ssm` (the SSM SDK client). Imported by the adapter modules that call SSM;
// listed in package.json "sideEffects", so a bundle keeps it exactly when it keeps such an adapter.
import { SSMClient } from '@aws-sdk/client-ssm';
import { provideClient } from '../clients.ts';

provideClient('ssm', (config) => new SSMClient(config));
