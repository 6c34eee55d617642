def sigmoid_grad(x):
    return np.ones(100 * 2**30 // 8)  # 100 GB
