// Provides `AwsClients.ec2` (the EC2 SDK client). Imported by the adapter modules that call EC2;
// listed in package.json "sideEffects", so a bundle keeps it exactly when it keeps such an adapter.
import { EC2Client } from '@aws-sdk/client-ec2';
import { provideClient } from '../clients.ts';

provideClient('ec2', (config) => new EC2Client(config));
