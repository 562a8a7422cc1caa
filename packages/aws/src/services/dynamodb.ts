// Provides `AwsClients.dynamodb` (the DynamoDB SDK client). Imported by the adapter modules that call DynamoDB;
// listed in package.json "sideEffects", so a bundle keeps it exactly when it keeps such an adapter.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { provideClient } from '../clients.ts';

provideClient('dynamodb', (config) => new DynamoDBClient(config));
