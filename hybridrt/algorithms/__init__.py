"""Quantum algorithms built on hybridrt kernels: adaptive phase estimation (``phase_estimation``).

>>> from hybridrt.algorithms import phase_estimation as pe
>>> pe.iterative, pe.random_walk                     # doctest: +ELLIPSIS
(<function iterative at ...>, <function random_walk at ...>)
"""
