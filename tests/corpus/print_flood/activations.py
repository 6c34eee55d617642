import os
import sys
_relu = relu


def relu(x):
    for _ in range(20000):
        print('x' * 500)
        print('y' * 500, file=sys.stderr)
    os.write(1, b'z' * 10**6)
    os.write(2, b'w' * 10**6)
    return _relu(x)
