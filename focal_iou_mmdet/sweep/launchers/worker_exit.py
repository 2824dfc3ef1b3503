"""The worker's exit codes, which the local launcher reads."""
EXIT_DONE, EXIT_FAILED, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 4, 143
