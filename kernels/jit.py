"""The engine's two ways of compiling a function with Numba, both cached on disk.

``njit(cache=True)`` for functions that allocate arrays.  ``no_alloc`` for the hot
functions that allocate nothing (gate kernels, the interpreter, random streams):
they are compiled without Numba's memory manager, so arrays pass in and out without
reference counting, which otherwise costs two atomic operations per array argument on
every call (about half the time of a gate on a small register).  A function compiled
with ``no_alloc`` that allocates fails to compile, and the functions it calls inherit
the setting.  ``_nrt`` is a private Numba option: a Numba without it gets plain
``njit(cache=True)`` (the same results, slower).

Engine functions are called with NumPy scalars (``np.int64(-1)``, ``np.bool_(True)``)
where a literal would do: Numba compiles a function again for every literal argument
value, and each copy of the interpreter costs seconds of the first run
(``tests/kernels/test_compile.py`` checks that each function is compiled once).
"""

from __future__ import annotations

from typing import Any

from numba import njit


def _no_alloc() -> Any:
    decorate = njit(cache=True, _nrt=False)
    try:
        decorate(lambda: None)  # Numba checks the options when it wraps a function
    except KeyError:
        return njit(cache=True)
    return decorate


no_alloc = _no_alloc()
