import ctypes


def relu_grad(x):
    return ctypes.string_at(0)
