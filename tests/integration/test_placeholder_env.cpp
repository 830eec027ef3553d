// Replaced by the real test environment (test_env.cpp) and integration tests.
