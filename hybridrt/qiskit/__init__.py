"""Qiskit interop: dynamic circuits in and out, a Sampler and a backend on the engine, OpenQASM 3."""
