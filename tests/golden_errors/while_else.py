import hybridrt as hr


@hr.kernel
def k() -> int:
    n = 0
    while n < 3:
        n += 1
    else:
        n = -1
    return n
