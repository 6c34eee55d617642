del tanh_grad
