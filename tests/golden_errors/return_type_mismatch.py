import hybridrt as hr


@hr.kernel
def k(x: float) -> int:
    return x / 2
