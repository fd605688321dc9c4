"""Quantum algorithms built on hybridrt kernels."""
