import hybridrt as hr


@hr.kernel
def k() -> float:
    import math
    return math.pi
