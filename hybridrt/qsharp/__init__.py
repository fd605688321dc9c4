"""Q# interop (the qdk package): run Q# on the engine, call Q# operations in kernels, emit Q#."""
