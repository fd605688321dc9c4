import hybridrt as hr


@hr.kernel
def k() -> int:
    class Point:
        x = 1
    return 0
