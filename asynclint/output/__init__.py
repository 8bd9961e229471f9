"""Output formats. Each takes the run's findings and writes to a stream; none decides exit codes."""
