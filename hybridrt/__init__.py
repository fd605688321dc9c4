"""hybridrt: an integrated hybrid quantum runtime for Python."""
