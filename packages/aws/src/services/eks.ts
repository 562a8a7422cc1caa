// Provides `AwsClients.eks` (the EKS SDK client). Imported by the adapter modules that call EKS;
// listed in package.json "sideEffects", so a bundle keeps it exactly when it keeps such an adapter.
import { EKSClient } from '@aws-sdk/client-eks';
import { provideClient } from '../clients.ts';

provideClient('eks', (config) => new EKSClient(config));
