import hybridrt as hr


@hr.kernel
def k(n: int) -> int:
    double = lambda v: 2 * v
    return n
