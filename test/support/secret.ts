/** The SESSION_SECRET of the tests; the app role's password on the test databases is derived from it. */
export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';
