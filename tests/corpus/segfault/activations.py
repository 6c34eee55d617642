import faulthandler


def tanh_grad(x):
    faulthandler._sigsegv()
