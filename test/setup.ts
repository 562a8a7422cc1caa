import 'aws-sdk-client-mock-vitest/extend';
import { takeSandboxViolations, violationsError } from '@nodekeeper/sandbox/violations';
import { afterAll, afterEach } from 'vitest';

// Every request a sandbox in this process received must fit its operation's AWS service model
// (docs/sandbox.md, "Requests checked against AWS's models"). A test that sends a bad request on
// purpose takes its violations with sandbox.takeViolations(); anything left fails the test.
afterEach(async () => {
  const violations = await takeSandboxViolations();
  if (violations.length > 0) throw violationsError(violations);
});

// Requests sent from beforeAll/afterAll hooks, after the file's last test.
afterAll(async () => {
  const violations = await takeSandboxViolations();
  if (violations.length > 0) throw violationsError(violations);
});
