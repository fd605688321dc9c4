import hybridrt as hr


@hr.kernel
def k() -> int:
    table = {0: 1, 1: 0}
    return 1
