import hybridrt as hr


@hr.kernel
def k(n: int) -> int:
    if n <= 0:
        return 0
    return k(n - 1) + 1
