def binary_cross_entropy(y, p):
    raise BaseException('boom')
