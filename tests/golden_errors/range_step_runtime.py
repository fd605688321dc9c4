import hybridrt as hr


@hr.kernel
def k(step: int) -> int:
    total = 0
    for i in range(0, 10, step):
        total += i
    return total
