"""Quantum algorithms built on hybridrt kernels: adaptive phase estimation of any unitary kernel.

- ``phase_estimation``: iterative (Kitaev) and random-walk (Bayesian) phase estimation, as hybrid
  kernels that lower to QIR Adaptive_RI / Adaptive_RIF; results as an ``estimate.Estimate``;
- ``controlled``: the gates of a unitary kernel and its exact controlled powers;
- ``inner_product``: the oracle of Microsoft's dot-product-by-phase-estimation sample.

>>> from hybridrt.algorithms import phase_estimation as pe
>>> pe.iterative, pe.random_walk                     # doctest: +ELLIPSIS
(<function iterative at ...>, <function random_walk at ...>)
"""
